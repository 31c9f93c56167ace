#!/usr/bin/env bash
# `cfn generate` for this repository. The plugin deletes the whole docs/ folder before writing the
# schema docs, which would take the hand-written guides with it, so generation runs in a scratch copy
# and only the generated files come back: src/models.ts, resource-role.yaml and the schema docs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/schema"
cp "$root/.rpdk-config" "$scratch/"
cp "$root/schema/acme-origin-lock.json" "$scratch/schema/"
ln -s schema/acme-origin-lock.json "$scratch/acme-origin-lock.json"
(cd "$scratch" && "$root/.venv/bin/cfn" generate >/dev/null)
cp "$scratch/src/models.ts" "$root/src/models.ts"
cp "$scratch/resource-role.yaml" "$root/resource-role.yaml"
cp "$scratch"/docs/*.md "$root/docs/"
echo "generate: src/models.ts, resource-role.yaml and docs/{$(cd "$scratch/docs" && ls *.md | paste -sd, -)} written"
