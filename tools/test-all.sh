#!/usr/bin/env bash
# The whole test suite, as CI runs it (`make test`, after `make setup`): every stage runs even when an
# earlier one failed, so one report shows everything that is wrong. Stages, in order:
#   lint (ESLint + Prettier), typecheck, models-check, validate (cfn validate), cfn-lint-self-test
#   (the cfn-lint wrapper still validates this type's properties on the installed cfn-lint), cfn-lint, guard
#   (guard/origin-lock.guard passes the examples and fails guard/tests/fail, tools/guard-check.sh), build,
#   jest (all tests), contract (cfn test against moto, tools/contract.sh), contract-bundle (the same
#   suite against the esbuild bundle), package (cfn submit --dry-run).
# The report ends with one PASS/FAIL line per stage and, alone on the last line, "N passed, N failed":
# individual jest tests + individual contract tests (pytest) + 1 per other stage.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bin="$root/node_modules/.bin"
mkdir -p "$root/build"
work=$(mktemp -d "$root/build/test-all.XXXXXX") # private: concurrent runs must not share reports
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
report=()

banner() { printf '\n===== %s =====\n' "$1"; }

# stage NAME CMD...: a stage that counts as one test.
stage() {
  local name=$1
  shift
  banner "$name"
  if "$@"; then
    report+=("PASS $name") passed=$((passed + 1))
  else
    report+=("FAIL $name") failed=$((failed + 1))
  fi
}

lint() { "$bin/eslint" . && "$bin/prettier" --check .; }
typecheck() {
  # tools/typecheck.sh (when present) is the project's strict check, as `make typecheck` runs it.
  if [[ -f tools/typecheck.sh ]]; then bash tools/typecheck.sh; else "$bin/tsc" -p tsconfig.json --noEmit; fi
}

stage lint lint
stage typecheck typecheck
stage models-check bash tools/check-models.sh
stage validate .venv/bin/cfn validate
stage cfn-lint-self-test .venv/bin/python tools/cfn-lint-registry.py --self-test
stage cfn-lint bash tools/cfn-lint-all.sh
stage guard bash tools/guard-check.sh --self-test
stage build "$bin/tsc" -p tsconfig.build.json

# jest: counts from its JSON report. A suite that cannot run (syntax error, failing beforeAll
# import) has no test results, so it counts as one failed test.
banner jest
"$bin/jest" --ci --json --outputFile="$work/jest.json"
jest_rc=$?
if counts=$(node -e '
  const r = require(process.argv[1]);
  console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites);
' "$work/jest.json" 2>/dev/null); then
  read -r jp jf <<<"$counts"
  [[ $jest_rc -ne 0 && $jf -eq 0 ]] && jf=1
else
  jp=0 jf=1
fi
passed=$((passed + jp)) failed=$((failed + jf))
report+=("$([[ $jest_rc -eq 0 ]] && echo PASS || echo FAIL) jest ($jp passed, $jf failed)")

# contract suites: counts from pytest's summary lines ("== 2 failed, 10 passed, 1 skipped, 3 errors in 9s
# =="), summed over input sets; errors count as failures. No summary at all counts as one test.
contract_stage() {
  local name=$1 script=$2
  banner "$name"
  bash "$script" 2>&1 | tee "$work/$name.log"
  local rc=${PIPESTATUS[0]}
  sum() { grep -E '^=+ .* in [0-9.]+s' "$work/$name.log" | grep -oE "[0-9]+ $1" | awk '{s += $1} END {print s + 0}'; }
  local cp cf
  cp=$(sum passed)
  cf=$(($(sum failed) + $(sum errors?)))
  if [[ $((cp + cf)) -eq 0 ]]; then
    if [[ $rc -eq 0 ]]; then cp=1; else cf=1; fi
  elif [[ $rc -ne 0 && $cf -eq 0 ]]; then
    cf=1
  fi
  passed=$((passed + cp)) failed=$((failed + cf))
  report+=("$([[ $rc -eq 0 ]] && echo PASS || echo FAIL) $name ($cp passed, $cf failed)")
}

# The real `cfn test` against the compiled handler, then against the esbuild bundle that ships.
contract_stage contract tools/contract.sh
contract_stage contract-bundle tools/contract-bundle.sh
# `cfn submit --dry-run` builds the registration package (no SAM, no Docker).
stage package bash tools/package.sh

banner summary
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
