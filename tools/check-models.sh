#!/usr/bin/env bash
# Regenerates the models into a scratch copy of the project and compares with the committed file,
# so a hand edit of src/models.ts (or a schema change without `cfn generate`) fails the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/schema"
cp "$root/.rpdk-config" "$scratch/"
cp "$root/schema/acme-origin-lock.json" "$scratch/schema/"
ln -s schema/acme-origin-lock.json "$scratch/acme-origin-lock.json"
(cd "$scratch" && "$root/.venv/bin/cfn" generate >/dev/null)
if ! diff -u "$root/src/models.ts" "$scratch/src/models.ts"; then
  echo "src/models.ts differs from fresh 'cfn generate' output: run 'cfn generate' and commit." >&2
  exit 1
fi
echo "models-check: src/models.ts matches cfn generate"
