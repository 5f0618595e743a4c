#!/usr/bin/env bash
# Start or stop podclip's long-running stack on loopback: the Prefect server (UI), `podclip serve`
# (process-episode and poll-feeds, the job dispatcher, webhook delivery) and the job API.
# Used by `make up` / `make down`. Idle, it makes no flow runs and uses about 2 % of one core.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_ROOT=$(realpath -m "${PODCLIP_DATA_ROOT:-data}")
RUN=${PODCLIP_RUN_DIR:-$DATA_ROOT/run}
PREFECT_PORT=${PREFECT_PORT:-4200}
API_PORT=${API_PORT:-8000}
BIN=${PODCLIP_BIN:-.venv/bin}
export PREFECT_SERVER_ANALYTICS_ENABLED=false HF_HUB_OFFLINE=1
export PREFECT_API_URL="http://127.0.0.1:${PREFECT_PORT}/api"
# The stack's Prefect home (its SQLite database, profiles) lives under the data root, never in the
# user's ~/.prefect that every other stack shares.
export PODCLIP_DATA_ROOT="$DATA_ROOT" PREFECT_HOME=${PREFECT_HOME:-$DATA_ROOT/prefect}
# Server housekeeping loops every 60 s instead of 5-15 s: nothing here pauses runs or needs
# "Late" marked within seconds, and each pass is a database query on an idle server.
for service in LATE_RUNS PAUSE_EXPIRATIONS CLEANUP_RECONCILER FOREMAN REPOSSESSOR; do
  export "PREFECT_SERVER_SERVICES_${service}_LOOP_SECONDS=${PREFECT_SERVICE_LOOP_SECONDS:-60}"
done
export PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS=${PREFECT_SERVICE_LOOP_SECONDS:-60}
mkdir -p "$RUN" "$PREFECT_HOME"

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start() {  # name, command...
  local name=$1; shift
  if running "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  setsid "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

wait_for() {  # url, seconds
  for _ in $(seq 1 "$2"); do curl -sf "$1" >/dev/null && return 0; sleep 1; done
  echo "timed out waiting for $1 (see $RUN/*.log)" >&2; return 1
}

case "${1:-}" in
  up)
    start prefect "$BIN/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT"
    wait_for "http://127.0.0.1:${PREFECT_PORT}/api/health" 90
    start serve "$BIN/podclip" serve
    start api "$BIN/podclip" api --port "$API_PORT"
    wait_for "http://127.0.0.1:${API_PORT}/healthz" 60
    echo "Prefect UI: http://127.0.0.1:${PREFECT_PORT}   API: http://127.0.0.1:${API_PORT}"
    echo "logs: $RUN/{prefect,serve,api}.log   stop: make down"
    ;;
  down)
    for name in api serve prefect; do
      if running "$name"; then
        kill -TERM -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || true
        echo "stopped $name"
      fi
      rm -f "$RUN/$name.pid"
    done
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
