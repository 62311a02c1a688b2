#!/usr/bin/env bash
# A worked CI leak check: fails (exit 1) when a service keeps memory it should have released.
#
#   scripts/ci-leak-check.sh [--mode leak|fixed] [--warmup N] [--ops N] [--db-mb M] [--fail-if 'METRIC OP VALUE']
#                            [--out DIR]
#
# Starts samples/sqljs-memfs-leak/server.js (the seed story's sql.js service), warms it up with --warmup
# operations (default 5: code gets compiled, caches fill), takes a heap snapshot of the running process with
# `leakhunt snapshot <pid> -o A.heapsnapshot --no-analyze`, runs --ops operations (default 20, GET /op?n=N),
# snapshots again, and runs
#   leakhunt diff A.heapsnapshot B.heapsnapshot --fail-if 'growth-bytes > 1MiB'
# whose exit status this script returns: 0 nothing grew past the bound, 1 the assertion held (a leak: the report
# shows the group that grew, its chain and its common dominator), 2 or more an error.
# --mode leak (default) must fail; --mode fixed must pass. --out keeps the snapshots (default: a temporary
# folder, removed on exit). Environment: LEAKHUNT (default scripts/leakhunt), NODE (default node).
#
# Each `leakhunt snapshot` is its own inspector session, and V8 clears its object ids when a session ends, so the
# two snapshots' ids do not match: `leakhunt diff` says so on stderr and compares class and backing-store totals,
# which still shows the group that grew, its chain and its common dominator.
set -euo pipefail

usage() {
  sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

MODE=leak
WARMUP=5
OPS=20
DB_MB=2
FAIL_IF='growth-bytes > 1MiB'
OUT=
while [[ $# -gt 0 ]]; do
  case $1 in
    --mode) MODE=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --ops) OPS=${2:?}; shift 2 ;;
    --db-mb) DB_MB=${2:?}; shift 2 ;;
    --fail-if) FAIL_IF=${2:?}; shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $MODE == leak || $MODE == fixed ]] || { echo "$0: --mode must be leak or fixed, got '$MODE'" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ && $OPS =~ ^[0-9]+$ ]] || { echo "$0: --warmup and --ops take counts" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAMPLE=$ROOT/samples/sqljs-memfs-leak
NODE=${NODE:-node}
LEAKHUNT=${LEAKHUNT:-$ROOT/scripts/leakhunt}
command -v "$NODE" >/dev/null || { echo "$0: '$NODE' not found (Node.js is needed)" >&2; exit 3; }

if [[ ! -d $SAMPLE/node_modules/sql.js ]]; then
  echo "== npm ci in samples/sqljs-memfs-leak" >&2
  (cd "$SAMPLE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

if [[ -n $OUT ]]; then
  mkdir -p "$OUT"
  WORK=$(cd "$OUT" && pwd)
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakhunt-ci.XXXXXX")
fi

SERVICE_PID=
cleanup() {
  if [[ -n $SERVICE_PID ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  [[ -n $OUT ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# GET with Node's own fetch, so that nothing but node is needed; prints the body, fails on a non-2xx answer.
http_get() {
  "$NODE" -e 'fetch(process.argv[1]).then(async (r) => { const t = await r.text();
    if (!r.ok) { console.error(`GET ${process.argv[1]}: ${r.status} ${t}`); process.exit(1); } console.log(t); })
    .catch((e) => { console.error(`GET ${process.argv[1]}: ${e.message}`); process.exit(1); })' "$1"
}

echo "== starting samples/sqljs-memfs-leak (--mode $MODE, --db-mb $DB_MB)" >&2
"$NODE" "$SAMPLE/server.js" --mode "$MODE" --db-mb "$DB_MB" --port 0 >"$WORK/service.out" 2>"$WORK/service.err" &
SERVICE_PID=$!
for _ in $(seq 1 300); do
  [[ -s $WORK/service.out ]] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { echo "$0: the service exited:" >&2; cat "$WORK/service.err" >&2; exit 3; }
  sleep 0.1
done
READY=$(head -n 1 "$WORK/service.out")
PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$READY")
[[ -n $PORT ]] || { echo "$0: no ready line from the service (got '$READY')" >&2; exit 3; }
BASE=http://127.0.0.1:$PORT
echo "   pid $SERVICE_PID, port $PORT: $READY" >&2

echo "== warm-up: $WARMUP operations" >&2
http_get "$BASE/op?n=$WARMUP" >/dev/null

echo "== snapshot A" >&2
"$LEAKHUNT" snapshot "$SERVICE_PID" -o "$WORK/A.heapsnapshot" --no-analyze >&2

echo "== $OPS operations" >&2
http_get "$BASE/op?n=$OPS" >&2

echo "== snapshot B" >&2
"$LEAKHUNT" snapshot "$SERVICE_PID" -o "$WORK/B.heapsnapshot" --no-analyze >&2

echo "== leakhunt diff A B --fail-if '$FAIL_IF'" >&2
set +e
"$LEAKHUNT" diff "$WORK/A.heapsnapshot" "$WORK/B.heapsnapshot" --fail-if "$FAIL_IF"
STATUS=$?
set -e
case $STATUS in
  0) echo "== leak check passed" >&2 ;;
  1) echo "== leak check FAILED: $FAIL_IF (see the groups above)" >&2 ;;
  *) echo "== leak check could not run (leakhunt diff exited $STATUS)" >&2 ;;
esac
exit "$STATUS"
