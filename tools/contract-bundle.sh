#!/usr/bin/env bash
# Runs the same `cfn test` contract suite as tools/contract.sh, but against the esbuild bundle that
# the registration package ships (build/bundle/handlers/index.js as dist/src/registry/handlers.js) instead of the
# tsc output.
#
# How, without changing tools/contract.sh: contract.sh serves "$root/dist/src/registry/handlers.js" through
# "$root/dist/bench/invoke-server.js", with $root = the directory above its own tools/. So this builds a
# scratch project root (build/contract-bundle/root) whose tools/, .venv and node_modules are links to
# the real ones, whose dist/ is a copy of the compiled dev bench, and whose dist/src/registry/handlers.js is the
# bundle, then runs contract.sh from there. Its work files land in that root's build/contract/.
#
# Usage: tools/contract-bundle.sh [same arguments as tools/contract.sh]
#   tools/contract-bundle.sh -- -k contract_create_read
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib/bench.sh
source "$root/tools/lib/bench.sh"

scratch="$root/build/contract-bundle/root"
rm -rf "$scratch"
mkdir -p "$scratch"

bench_ensure_build || exit 1
node "$root/tools/bundle.mjs" --only handlers --outdir "$root/build/contract-bundle/bundle" || exit 1

cp "$root/.rpdk-config" "$scratch/"
mkdir -p "$scratch/schema" "$scratch/src"
cp "$root/schema/acme-origin-lock.json" "$scratch/schema/"
ln -s "$root/tools" "$scratch/tools"
ln -s "$root/.venv" "$scratch/.venv"
ln -s "$root/node_modules" "$scratch/node_modules"
ln -s "$root/bench" "$scratch/bench"
ln -s "$root/demo" "$scratch/demo"
cp -R "$root/dist" "$scratch/dist"
cp "$root/build/contract-bundle/bundle/handlers/index.js" "$scratch/dist/src/registry/handlers.js"
# The invoke server loads <repoRoot()>/dist/src/registry/handlers.js; make sure repoRoot() is the scratch root.
served=$(node -e 'process.stdout.write(require(process.argv[1]).repoRoot())' "$scratch/dist/bench/paths.js")
if [[ $served != "$scratch" ]]; then
  bench_log "the invoke server would serve $served/dist/src/registry/handlers.js, not the bundle in $scratch"
  exit 1
fi
bench_log "contract suite against the bundle: $scratch/dist/src/registry/handlers.js ($(stat -c %s "$scratch/dist/src/registry/handlers.js") bytes)"

# Through the link, contract.sh's own root is the scratch root (bash keeps the logical path).
exec bash "$scratch/tools/contract.sh" "$@"
