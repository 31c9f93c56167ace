#!/usr/bin/env bash
# Regenerates into a scratch copy of the project and compares with the committed files, so a hand
# edit of src/models.ts (or a schema change without `make generate`) fails the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck source=lib/cfn-generate.sh
source "$root/tools/lib/cfn-generate.sh"
cfn_generate_scratch "$scratch"
status=0
for f in src/models.ts resource-role.yaml $(cd "$scratch" && ls docs/*.md); do
  if ! diff -u "$root/$f" "$scratch/$f"; then
    echo "$f differs from fresh 'cfn generate' output: run 'make generate' and commit." >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "models-check: src/models.ts, resource-role.yaml and the schema docs match cfn generate"
exit $status
