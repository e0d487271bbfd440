#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its seed corpus (a copy,
# so the checkout never changes). FUZZ_SECONDS overrides the default 20 s.
set -euo pipefail
target=$1
seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
exec "$target" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work"
