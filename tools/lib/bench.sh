# shellcheck shell=bash
# Shared process plumbing for the local benches (tools/contract.sh, tools/invoke-event.sh): moto, the
# moto proxy and the invoke server, each on a free loopback port, each stopped by its pid on exit.
# Source it, then call bench_init BASE_DIR; every bench_start_* registers its pid for the exit cleanup.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_VENV="$BENCH_ROOT/.venv"
BENCH_PIDS=()

bench_log() { printf '[bench] %s\n' "$*" >&2; }

# A free 127.0.0.1 port. It is released before use, so a start-up failure is retried by the caller.
bench_free_port() {
  "$BENCH_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# bench_wait_port PORT PID LOGFILE [SECONDS]: wait until PORT accepts connections while PID is alive.
bench_wait_port() {
  local port=$1 pid=$2 logfile=$3 seconds=${4:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      bench_log "process $pid exited before listening on $port; last log lines:"
      tail -n 20 "$logfile" >&2 || true
      return 1
    fi
    if "$BENCH_VENV/bin/python" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2).close()' "$port" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  bench_log "nothing listens on port $port after ${seconds}s"
  return 1
}

# bench_init BASE_DIR: a private work directory BASE_DIR/run.XXXXXX for logs, fixture and scratch
# project (private so that concurrent runs never clobber each other), and the cleanup traps. The
# directory is removed after a successful run and kept after a failure (or always with BENCH_KEEP=1).
bench_init() {
  # Bench-only noise: the SDK warns once per process that node 20 support ends in 2027.
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1
  mkdir -p "$1"
  BENCH_WORK=$(mktemp -d "$1/run.XXXXXX")
  trap bench_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_exit() {
  local rc=$?
  bench_cleanup
  if [[ $rc -eq 0 && ${BENCH_KEEP:-0} != 1 ]]; then
    rm -rf "$BENCH_WORK"
  else
    bench_log "logs kept in $BENCH_WORK"
  fi
}

# Stops every started process by pid, newest first: TERM, then KILL after 5 s.
bench_cleanup() {
  local pid i
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${BENCH_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}

# Starts `$@` in the background with output in LOGFILE, waits for PORT; retries with a new port
# (substituting @PORT@ in the arguments) if another process grabbed it first.
# Sets BENCH_PORT and BENCH_PID.
bench_start() {
  local name=$1 logfile=$2 attempt port pid args
  shift 2
  for attempt in 1 2 3; do
    port=$(bench_free_port)
    args=("${@//@PORT@/$port}")
    # exit-with-parent: the server also dies if this shell is killed without running its traps.
    "$BENCH_VENV/bin/python" "$BENCH_ROOT/tools/lib/exit-with-parent.py" $$ "${args[@]}" >>"$logfile" 2>&1 &
    pid=$!
    BENCH_PIDS+=("$pid")
    if bench_wait_port "$port" "$pid" "$logfile"; then
      BENCH_PORT=$port BENCH_PID=$pid
      bench_log "$name: pid $pid on 127.0.0.1:$port (log: $logfile)"
      return 0
    fi
    kill -KILL "$pid" 2>/dev/null || true
    bench_log "$name: start attempt $attempt failed"
  done
  return 1
}

# moto_server; sets MOTO_ENDPOINT and MOTO_PID. Its recording file stays in the work directory.
bench_start_moto() {
  bench_start moto "$BENCH_WORK/moto.log" \
    env MOTO_RECORDER_FILEPATH="$BENCH_WORK/moto-recording.jsonl" \
    "$BENCH_VENV/bin/python" "$BENCH_ROOT/bench/moto-server.py" -H 127.0.0.1 -p @PORT@ || return 1
  MOTO_ENDPOINT="http://127.0.0.1:$BENCH_PORT" MOTO_PID=$BENCH_PID
}

# moto in proxy mode, for clients whose AWS endpoints are hard-coded (cfn-cli's STS calls). It runs
# its own in-process moto, separate from moto_server. Sets PROXY_URL and MOTO_CA_BUNDLE (the CA that
# signs the proxy's per-host certificates; clients must trust it through AWS_CA_BUNDLE).
bench_start_proxy() {
  MOTO_CA_BUNDLE=$("$BENCH_VENV/bin/python" -c 'from moto.moto_proxy.certificate_creator import CertificateCreator as C; print(C.cacert)')
  bench_start moto-proxy "$BENCH_WORK/moto-proxy.log" "$BENCH_VENV/bin/moto_proxy" -H 127.0.0.1 -p @PORT@ || return 1
  PROXY_URL="http://127.0.0.1:$BENCH_PORT"
}

# The local Lambda Invoke endpoint serving dist/src/registry/handlers.js; the handler reaches moto_server through
# AWS_ENDPOINT_URL. Sets INVOKE_URL and INVOKE_LOG.
bench_start_invoke_server() {
  INVOKE_LOG="$BENCH_WORK/invoke-server.log"
  bench_start invoke-server "$INVOKE_LOG" \
    env AWS_ENDPOINT_URL="$MOTO_ENDPOINT" AWS_REGION=us-east-1 \
    node "$BENCH_ROOT/dist/bench/invoke-server.js" --port @PORT@ || return 1
  INVOKE_URL="http://127.0.0.1:$BENCH_PORT"
}

# Builds the seed-004 fixture in moto_server. Sets FIXTURE_FILE. Extra args go to fixture-cli.
bench_build_fixture() {
  FIXTURE_FILE="$BENCH_WORK/fixture.json"
  node "$BENCH_ROOT/dist/bench/fixture-cli.js" --endpoint "$MOTO_ENDPOINT" --out "$FIXTURE_FILE" "$@"
}

# The benches run compiled code: build when dist/ is missing or older than src/.
bench_ensure_build() {
  if [[ ! -f "$BENCH_ROOT/dist/bench/invoke-server.js" ]] ||
    [[ -n $(find "$BENCH_ROOT/src" "$BENCH_ROOT/bench" "$BENCH_ROOT/demo" -name '*.ts' -newer "$BENCH_ROOT/dist/bench/invoke-server.js" -print -quit) ]]; then
    bench_log "building dist/ (tsc -p tsconfig.build.json)"
    if ! (cd "$BENCH_ROOT" && "$BENCH_ROOT/node_modules/.bin/tsc" -p tsconfig.build.json); then
      # tsc still emits on type errors (the typecheck stage reports them); only no output is fatal.
      [[ -f "$BENCH_ROOT/dist/src/registry/handlers.js" && -f "$BENCH_ROOT/dist/bench/invoke-server.js" ]] || return 1
      bench_log "build had type errors; running the JavaScript it emitted"
    fi
  fi
}
