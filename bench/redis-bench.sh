#!/bin/bash
# bench/redis-bench.sh: decisions per second of the shared (Redis) rate-limit
# store through one pipelined connection, against a redis-server this script
# starts on a free loopback port (no persistence) and stops again.
#
#   bench/redis-bench.sh [BUILD_DIR]      (default: build)
#
# Knobs (environment): SECONDS_PER_LEVEL=5 LEVELS=1,8,64,256
# docs/performance.md records the figures.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
BUILD_DIR=${1:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO_DIR/$BUILD_DIR ;; esac
BENCH=$BUILD_DIR/bench/rampart_redis_bench
[ -x "$BENCH" ] || { echo "redis-bench.sh: no $BENCH (build first)" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "redis-bench.sh: redis-server missing (scripts/install-deps.sh)" >&2; exit 2; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUN_DIR=$(mktemp -d /tmp/rampart-redis-bench.XXXXXX)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$RUN_DIR" \
  --logfile "$RUN_DIR/redis.log" &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$RUN_DIR"' EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.05
done

echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$PORT; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" "$PORT" "${SECONDS_PER_LEVEL:-5}" "${LEVELS:-1,8,64,256}"
