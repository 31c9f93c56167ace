# Sourced: `cfn_generate_scratch DIR` runs `cfn generate` for this project inside DIR (a scratch copy
# holding only the config and the schema), so nothing in the working tree is touched or deleted.
cfn_generate_scratch() {
  local root scratch=$1
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  mkdir -p "$scratch/src" "$scratch/schema"
  cp "$root/.rpdk-config" "$scratch/"
  cp "$root/schema/acme-origin-lock.json" "$scratch/schema/"
  ln -sf schema/acme-origin-lock.json "$scratch/acme-origin-lock.json"
  (cd "$scratch" && "$root/.venv/bin/cfn" generate >/dev/null)
}
