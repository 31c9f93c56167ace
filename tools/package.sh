#!/usr/bin/env bash
# Builds the registration package exactly as `cfn submit` does, without SAM or Docker, and leaves
# acme-origin-lock.zip in the repository root (`make package`).
#
# `cfn submit --dry-run` (TypeScript plugin 1.0.2) deletes <project>/build/, runs
# `.rpdk-config` settings.buildCommand + " TypeFunction" (here: node tools/bundle.mjs --cfn-build
# TypeFunction), zips build/TypeFunction/ as ResourceProvider.zip and adds the schema, .rpdk-config,
# src/ and inputs/ (if any) to the outer zip. Because of that rm -rf of build/, it runs in a scratch
# copy of the project (a temporary directory) so the benches' work directories under build/ survive a
# concurrent `make package`. Running `cfn submit --dry-run` in the repository root works as well.
#
# Usage: tools/package.sh [--keep]   (--keep: leave the scratch project behind for inspection)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[[ ${1:-} == --keep ]] && keep=true
scratch=$(mktemp -d "${TMPDIR:-/tmp}/origin-lock-package.XXXXXX")
stage="$scratch/acme-origin-lock"
mkdir -p "$stage"
cleanup() { if $keep; then echo "package: scratch project kept in $stage" >&2; else rm -rf "$scratch"; fi; }
trap cleanup EXIT

# What cfn-cli reads (settings, schema) and what the plugin zips besides the build (src/).
cp "$root/.rpdk-config" "$stage/"
cp "$root/schema/acme-origin-lock.json" "$stage/acme-origin-lock.json"
cp -R "$root/src" "$stage/src"
[[ -d "$root/inputs" ]] && cp -R "$root/inputs" "$stage/inputs"
# The build command runs from the project directory: give it the tools and the dependencies.
ln -s "$root/tools" "$stage/tools"
ln -s "$root/node_modules" "$stage/node_modules"
cp "$root/package.json" "$stage/"

(
  cd "$stage"
  unset AWS_PROFILE AWS_DEFAULT_PROFILE
  "$root/.venv/bin/cfn" submit --dry-run
) || {
  echo "package: cfn submit --dry-run failed; see $stage/rpdk.log (run with --keep)" >&2
  exit 1
}

mv "$stage/acme-origin-lock.zip" "$root/acme-origin-lock.zip"
echo "package: $root/acme-origin-lock.zip ($(stat -c %s "$root/acme-origin-lock.zip") bytes)"
"$root/.venv/bin/python" - "$root/acme-origin-lock.zip" <<'EOF'
import io, sys, zipfile
outer = zipfile.ZipFile(sys.argv[1])
inner = zipfile.ZipFile(io.BytesIO(outer.read("ResourceProvider.zip")))
names = inner.namelist()
assert "dist/src/registry/handlers.js" in names, f"ResourceProvider.zip lacks dist/src/registry/handlers.js: {names}"
print("package: ResourceProvider.zip holds", ", ".join(f"{i.filename} ({i.file_size} bytes)" for i in inner.infolist()))
EOF
