#!/usr/bin/env bash
# cfn-lint on the deployable templates (templates/*.yaml, examples/*.yaml) with the type's schema, so
# Acme::Origin::Lock resources are validated like AWS types: properties, required, patterns, enums
# and Fn::GetAtt attribute names (cfn-lint's own rules, through tools/cfn-lint-registry.py; plain
# `cfn-lint --registry-schemas` only makes the type known and checks none of that).
#
# Usage: tools/cfn-lint-examples.sh [TEMPLATE...]   (default: templates/*.yaml examples/*.yaml)
#        tools/cfn-lint-examples.sh --self-test     (proves a broken lock resource is caught)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
lint() { .venv/bin/python tools/cfn-lint-registry.py --registry-schemas schema/ -- "$@"; }

if [[ ${1:-} == --self-test ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/bad.yaml" <<'YAML'
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Lock:
    Type: Acme::Origin::Lock
    Properties:
      ListenerArn: not-an-arn
      Colour: blue
Outputs:
  Rule:
    Value: !GetAtt Lock.NoSuchAttribute
YAML
  out=$(lint "$tmp/bad.yaml" 2>&1)
  missing=()
  for code in E3003 E3031 E3002 E6101; do grep -q "^$code " <<<"$out" || missing+=("$code"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    printf '%s\n' "$out"
    echo "cfn-lint-examples self-test: FAILED, not reported: ${missing[*]}"
    exit 1
  fi
  echo "cfn-lint-examples self-test: a broken Acme::Origin::Lock is reported (E3003 E3031 E3002 E6101)"
  exit 0
fi

if [[ $# -gt 0 ]]; then
  templates=("$@")
else
  shopt -s nullglob
  templates=(templates/*.yaml examples/*.yaml)
fi
echo "cfn-lint-examples: ${templates[*]}"
lint "${templates[@]}" && echo "cfn-lint-examples: ${#templates[@]} templates clean"
