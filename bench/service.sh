#!/usr/bin/env bash
# Benchmark of `renja serve` on the sample edition, one run, all numbers side by side:
#  - render throughput (PDF + DOCX, cache cold: every request a different revision) with 1 and 2
#    render workers;
#  - p50/p95/max latency of a save, a check (`periksa`) and a cached PDF render under 30 and 300
#    concurrent users, on the embedded SQLite store and on PostgreSQL (a throwaway cluster started
#    here with tests/support/pg_cluster.sh, durable settings: fsync on) in the same run;
#  - the server's memory with 30 open previews (each with its own unsaved edit);
#  - the server's peak memory (VmHWM).
# The load comes from a second process (bench/service-load.py: python3, one thread and one
# keep-alive connection per user) on loopback only; every loop is bounded.
#
# Usage: bench/service.sh [ROUNDS]      (RENJA_BIN=path/to/renja to choose the binary;
#                                        default target/release/renja, built if missing;
#                                        BACKENDS="sqlite postgres" (default), USERS="30 300",
#                                        CHECKS="incremental cold": the service's checks
#                                        incremental (default) and from scratch side by side)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-4}
BIN=${RENJA_BIN:-target/release/renja}
if [ ! -x "$BIN" ]; then
  cargo build --release --bin renja
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

start() { # start DATA WORKERS [DATABASE_URL] → sets URL, PID
  local data=$1 workers=$2 db=()
  [ -n "${3:-}" ] && db=(--database "$3")
  "$BIN" serve --contoh --data "$data" --listen 127.0.0.1:0 --render-workers "$workers" --render-queue 512 "${db[@]}" >"$data.out" 2>"$data.err" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do
    if grep -q '^Layanan renja: ' "$data.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  URL=$(sed -n 's/^Layanan renja: \(http:\/\/[^/]*\)\/api\/v1\/$/\1/p' "$data.out")
  [ -n "$URL" ] || { cat "$data.err"; exit 1; }
}

LOAD="python3 bench/service-load.py"
PARTS=${PARTS:-"throughput users previews"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
USERS=${USERS:-"30 300"}
echo "renja serve benchmark ($BIN, $(nproc) cores, rounds=$ROUNDS, load average $(cut -d' ' -f1-3 /proc/loadavg))"
for W in 1 2; do
  [[ " $PARTS " == *" throughput "* ]] || break
  start "$WORK/data-w$W" "$W"
  read -r N WALL RATE < <($LOAD throughput "$URL" "$WORK/data-w$W.out" "$ROUNDS")
  HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  printf '| render, cache cold, %d worker(s) | %s renders (PDF+DOCX) in %s s | %s renders/s | peak RSS %d MB |\n' "$W" "$N" "$WALL" "$RATE" $((HWM / 1024))
  kill "$PID"; wait "$PID" 2>/dev/null || true
done

echo "| backend | users | request | p50 ms | p95 ms | max ms | req/s | errors |"
echo "|---|---|---|---|---|---|---|---|"
[[ " $PARTS " == *" users "* ]] || BACKENDS=""
for B in $BACKENDS; do
  DB=""
  if [ "$B" = postgres ]; then
    source tests/support/pg_cluster.sh
    PG_CLUSTER_DURABLE=1 pg_cluster_start
    trap 'cleanup; pg_cluster_stop' EXIT
  fi
  for C in ${CHECKS:-incremental}; do
  for U in $USERS; do
    if [ "$C" = cold ]; then export RENJA_SERVICE_CHECK_COLD=1; else unset RENJA_SERVICE_CHECK_COLD; fi
    LABEL="$B"
    [ "$C" = incremental ] || LABEL="$B, checks $C"
    if [ "$B" = postgres ]; then
      DBNAME="renja_bench_${U}_$C"
      psql -X -q "$RENJA_TEST_PG_URL" -c "CREATE DATABASE $DBNAME" >/dev/null
      DB="${RENJA_TEST_PG_URL%/postgres}/$DBNAME"
    fi
    start "$WORK/data-$B-$U-$C" 2 "$DB"
    while read -r KIND P50 P95 MAX RATE ERRS; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$LABEL" "$U" "$KIND" "$P50" "$P95" "$MAX" "$RATE" "$ERRS"
    done < <($LOAD users "$URL" "$WORK/data-$B-$U-$C.out" "$U" "$ROUNDS")
    HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
    printf '| %s | %s | server peak RSS %d MB | | | | | |\n' "$LABEL" "$U" $((HWM / 1024))
    kill "$PID"; wait "$PID" 2>/dev/null || true
  done
  done
done
unset RENJA_SERVICE_CHECK_COLD

# Memory with 30 open previews (the default cap is 8 per process; raised here).
PREVIEWS=${PREVIEWS:-30}
[[ " $PARTS " == *" previews "* ]] || PREVIEWS=0
if [ "$PREVIEWS" -gt 0 ]; then
export RENJA_PRATINJAU_MAKS=$PREVIEWS
start "$WORK/data-pv" 2
RSS0=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
coproc PV { $LOAD previews "$URL" "$WORK/data-pv.out" "$PREVIEWS"; }
read -r _ OPENED <&"${PV[0]}"
RSS1=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
echo >&"${PV[1]}"
wait "$PV_PID" 2>/dev/null || true
printf '| %d open previews, each with its own edit | RSS %d MB before, %d MB with them open (peak %d MB) | all rendered after %s s |\n' "$PREVIEWS" $((RSS0 / 1024)) $((RSS1 / 1024)) $((HWM / 1024)) "$OPENED"
kill "$PID"; wait "$PID" 2>/dev/null || true
fi
echo "Reference point: Carbone publishes 5-20 PDF renders/s per instance. Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
