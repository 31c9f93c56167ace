#!/usr/bin/env bash
# Runs the real CloudFormation contract tests (`cfn test` from .venv) against the built handler, with
# no Docker and no AWS account:
#   moto_server  - the AWS APIs the handler calls (reached through AWS_ENDPOINT_URL);
#   moto proxy   - answers the STS calls cfn-cli makes to its hard-coded https://sts.<region>... URL;
#   invoke server (dist/bench/invoke-server.js) - the Lambda Invoke endpoint `cfn test` calls.
# The fixture (seed-004) is built fresh and the inputs written into a scratch copy of the project
# (build/contract/run.*/project/inputs/), so the repository's files are never touched. Logs of moto,
# the proxy and the handler stay in that directory when the run fails (BENCH_KEEP=1: always).
#
# Usage: tools/contract.sh [cfn test args] [-- pytest args]
#   tools/contract.sh -- -k contract_create_read      # one contract test
#   make contract ARGS='-- -k "contract_create_read or contract_delete_read"'
#   FIXTURE_OPTIONS='{"dualstack":true,"extraRules":true}' tools/contract.sh
# Exit code: cfn test's.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib/bench.sh
source "$root/tools/lib/bench.sh"

bench_init "$root/build/contract"
project="$BENCH_WORK/project"
bench_ensure_build || exit 1

bench_start_moto || exit 1
bench_start_proxy || exit 1

# A minimal project for cfn test: settings, schema, inputs. The handler itself is served from dist/.
mkdir -p "$project/schema"
cp "$root/.rpdk-config" "$project/"
cp "$root/schema/acme-origin-lock.json" "$project/schema/"
ln -s schema/acme-origin-lock.json "$project/acme-origin-lock.json"
bench_build_fixture --inputs "$project" ${FIXTURE_OPTIONS:+--options "$FIXTURE_OPTIONS"} || exit 1

bench_start_invoke_server || exit 1

bench_log "cfn test --endpoint $INVOKE_URL --region us-east-1 $*"
# In the background + wait: bash runs the TERM/INT trap (and so the cleanup) only between commands,
# and `wait` is interruptible where a foreground child is not.
(
  cd "$project" || exit 1
  # Only fake, moto-scoped credentials; no profile or config file of the user may leak in.
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  export HTTPS_PROXY="$PROXY_URL" https_proxy="$PROXY_URL" NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
  export AWS_CA_BUNDLE="$MOTO_CA_BUNDLE"
  exec "$BENCH_VENV/bin/python" "$root/tools/lib/exit-with-parent.py" $$ \
    "$BENCH_VENV/bin/cfn" test --endpoint "$INVOKE_URL" --region us-east-1 "$@"
) &
cfn_pid=$!
BENCH_PIDS+=("$cfn_pid")
wait "$cfn_pid"
rc=$?

invocations=$(grep -c '^invoke ' "$INVOKE_LOG" || true)
bench_log "cfn test exit code $rc; $invocations handler invocations"
if [[ $rc -ne 0 ]]; then
  bench_log "last invocations:"
  grep '^invoke ' "$INVOKE_LOG" | tail -n 15 >&2 || true
fi
exit "$rc"
