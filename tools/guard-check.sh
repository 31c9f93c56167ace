#!/usr/bin/env bash
# Runs the CloudFormation Guard rules (guard/origin-lock.guard) with the real cfn-guard binary.
#   tools/guard-check.sh TEMPLATE...   exit 0 when every template passes, 1 when one breaks a rule
#   tools/guard-check.sh --self-test   the `make test` stage: every template under examples/, templates/
#       and guard/tests/pass/ passes, and every guard/tests/fail/<rule>[--variant].yaml fails <rule> and
#       no other rule
# cfn-guard: $CFN_GUARD, else the binary @cdklabs/cdk-validator-cfnguard bundles in node_modules, else
# cfn-guard on PATH.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
rules=guard/origin-lock.guard

arch=$(uname -m)
[[ $arch == arm64 ]] && arch=aarch64
case "$(uname -s)" in Darwin) os=macos ;; *) os=ubuntu ;; esac
bundled=node_modules/@cdklabs/cdk-validator-cfnguard/bin/$os/$arch/cfn-guard
guard=${CFN_GUARD:-}
[[ -z $guard && -x $bundled ]] && guard=$bundled
[[ -z $guard ]] && guard=$(command -v cfn-guard)
if [[ -z $guard ]]; then
  echo "guard-check: cfn-guard not found (make setup installs @cdklabs/cdk-validator-cfnguard)" >&2
  exit 2
fi

# failed_rules TEMPLATE: the names of the rules TEMPLATE breaks, one a line; exit 2 when cfn-guard
# could not evaluate it (a parse error is not a pass).
failed_rules() {
  local out rc
  out=$("$guard" validate --rules "$rules" --data "$1" --output-format json --show-summary none 2>&1)
  rc=$?
  # cfn-guard exits 0 (pass), 19 (a rule failed); anything else is an error.
  if [[ $rc -ne 0 && $rc -ne 19 ]]; then
    printf 'guard-check: cfn-guard failed on %s (exit %s):\n%s\n' "$1" "$rc" "$(head -c 600 <<<"$out")" >&2
    return 2
  fi
  node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const c of r.not_compliant) console.log(c.Rule.name);
  ' <<<"$out" | sort -u
}

check() {
  local status=0 template names
  for template in "$@"; do
    names=$(failed_rules "$template") || return 2
    if [[ -n $names ]]; then
      echo "FAIL $template: $(echo "$names" | paste -sd ' ')"
      "$guard" validate --rules "$rules" --data "$template" --show-summary none 2>&1 | sed 's/^/  /'
      status=1
    else
      echo "PASS $template"
    fi
  done
  return $status
}

self_test() {
  local bad=0 template expected names
  local good=(examples/*.yaml templates/*.yaml guard/tests/pass/*.yaml)
  for template in "${good[@]}"; do
    if names=$(failed_rules "$template") && [[ -z $names ]]; then
      echo "ok   $template passes"
    else
      echo "FAIL $template should pass, breaks: ${names:-(error)}"
      bad=1
    fi
  done
  for template in guard/tests/fail/*.yaml; do
    expected=$(basename "$template" .yaml)
    expected=${expected%%--*}
    if names=$(failed_rules "$template") && [[ $names == "$expected" ]]; then
      echo "ok   $template fails $expected"
    else
      echo "FAIL $template should fail $expected only, breaks: ${names:-(nothing)}"
      bad=1
    fi
  done
  return $bad
}

if [[ ${1:-} == --self-test ]]; then
  self_test
elif [[ $# -gt 0 ]]; then
  check "$@"
else
  echo "usage: tools/guard-check.sh TEMPLATE... | --self-test" >&2
  exit 2
fi
