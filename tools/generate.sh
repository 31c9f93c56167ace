#!/usr/bin/env bash
# `cfn generate` for this repository. The plugin deletes the whole docs/ folder before writing the
# schema docs, which would take the hand-written guides with it, so generation runs in a scratch copy
# and only the generated files come back: src/models.ts, resource-role.yaml and the schema docs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck source=lib/cfn-generate.sh
source "$root/tools/lib/cfn-generate.sh"
cfn_generate_scratch "$scratch"
cp "$scratch/src/models.ts" "$root/src/models.ts"
cp "$scratch/resource-role.yaml" "$root/resource-role.yaml"
cp "$scratch"/docs/*.md "$root/docs/"
echo "generate: src/models.ts, resource-role.yaml and docs/{$(cd "$scratch/docs" && ls *.md | paste -sd, -)} written"
