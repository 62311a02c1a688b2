#!/usr/bin/env bash
# The leak check of scripts/leak-check, worked on the seed story's service: fails (exit 1) when the sql.js sample
# keeps memory it should have released.
#
#   scripts/ci-leak-check.sh [--mode leak|fixed] [--warmup N] [--ops N] [--db-mb M] [--fail-if 'METRIC OP VALUE']
#                            [--out DIR]
#
# Starts samples/sqljs-memfs-leak/server.js, warms it up with --warmup operations (default 5: code gets compiled,
# caches fill), then has `leakhunt diff --pid` take a snapshot, run --ops operations (default 20, GET /op?n=N) and
# take another, in one inspector session, and fail on --fail-if (default 'growth-bytes > 1MiB'). Its exit status:
# 0 nothing grew past the bound, 1 the assertion held (a leak: the report shows the new copies of the database,
# their chain and the MEMFS table that holds them), 2 or more an error. --mode leak (default) must fail; --mode
# fixed must pass. --out keeps the snapshots (default: a temporary folder, removed on exit). Environment: LEAKHUNT
# (default scripts/leakhunt), NODE (default node).
#
# For your own service, call scripts/leak-check with its start, ready and load commands (see the README).
set -euo pipefail

usage() {
  sed -n '5,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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
command -v "$NODE" >/dev/null || { echo "$0: '$NODE' not found (Node.js is needed)" >&2; exit 3; }

if [[ ! -d $SAMPLE/node_modules/sql.js ]]; then
  echo "== npm ci in samples/sqljs-memfs-leak" >&2
  (cd "$SAMPLE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# a free loopback port for the service (the load command must know it)
PORT=$("$NODE" -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
  console.log(s.address().port); s.close(); })")
# GET with Node's own fetch, so that nothing but node is needed
get() {
  printf '%q %q %q' "$NODE" "$ROOT/samples/lib/get.js" "http://127.0.0.1:$PORT$1"
}

args=(--start "$(printf '%q ' "$NODE" "$SAMPLE/server.js" --mode "$MODE" --db-mb "$DB_MB" --port "$PORT")"
      --ready "$(get /memory)" --load "$(get "/op?n=$OPS")" --fail-if "$FAIL_IF")
((WARMUP > 0)) && args+=(--warmup "$(get "/op?n=$WARMUP")")
[[ -n $OUT ]] && args+=(--out "$OUT")
exec "$ROOT/scripts/leak-check" "${args[@]}"
