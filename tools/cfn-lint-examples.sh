#!/usr/bin/env bash
# cfn-lint on the deployable templates (templates/*.yaml, examples/*.yaml) with the type's schema, so
# Acme::Origin::Lock resources are validated like AWS types: properties, required, patterns, enums
# and Fn::GetAtt attribute names (cfn-lint's own rules, through tools/cfn-lint-registry.py; plain
# `cfn-lint --registry-schemas` only makes the type known and checks none of that).
#
# Usage: tools/cfn-lint-examples.sh [TEMPLATE...]   (default: templates/*.yaml examples/*.yaml)
#        tools/cfn-lint-examples.sh --self-test     (proves a broken lock resource is caught, a good one passes)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
lint() { .venv/bin/python tools/cfn-lint-registry.py --registry-schemas schema/ -- "$@"; }

# The self-test lives with the patch it proves (tools/cfn-lint-registry.py).
if [[ ${1:-} == --self-test ]]; then
  exec .venv/bin/python tools/cfn-lint-registry.py --self-test
fi

if [[ $# -gt 0 ]]; then
  templates=("$@")
else
  shopt -s nullglob
  templates=(templates/*.yaml examples/*.yaml)
fi
echo "cfn-lint-examples: ${templates[*]}"
lint "${templates[@]}" && echo "cfn-lint-examples: ${#templates[@]} templates clean"
