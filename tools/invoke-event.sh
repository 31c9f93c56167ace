#!/usr/bin/env bash
# Sends sam-tests/ events to the built handler through the local Invoke endpoint, against a fresh moto
# holding the seed-004 fixture, and prints each reply. Events run in order against the same moto, so
# a sequence shows the lifecycle:
#
#   tools/invoke-event.sh sam-tests/read.json
#   tools/invoke-event.sh --follow sam-tests/create.json sam-tests/read.json sam-tests/delete.json
#   FIXTURE_OPTIONS='{"dualstack":true}' tools/invoke-event.sh sam-tests/create.json
#
# --follow re-invokes IN_PROGRESS replies until they finish (as CloudFormation does). Placeholders
# such as {{ListenerArn}} are filled from the fixture (bench/invoke-event.ts lists them). The
# handler's own log is in build/invoke-event/run.*/invoke-server.log, kept with BENCH_KEEP=1.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib/bench.sh
source "$root/tools/lib/bench.sh"

if [[ $# -eq 0 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
bench_init "$root/build/invoke-event"
bench_ensure_build || exit 1
bench_start_moto || exit 1
bench_build_fixture ${FIXTURE_OPTIONS:+--options "$FIXTURE_OPTIONS"} || exit 1
bench_start_invoke_server || exit 1
# Background + wait so that Ctrl-C/TERM reach the cleanup trap at once (see tools/contract.sh).
node "$root/dist/bench/invoke-event.js" --url "$INVOKE_URL" --fixture "$FIXTURE_FILE" "$@" &
BENCH_PIDS+=("$!")
wait "$!"
