#!/usr/bin/env bash
# `make run`: the demo upstream on 127.0.0.1:9000 and Rampart on its embedded
# default (HTTPS on 127.0.0.1:8443, admin on 127.0.0.1:9901) in front of it.
# Ctrl-C stops both.
set -euo pipefail
build_dir=${1:-build}
cd "$(dirname "$0")/.."

"$build_dir/demo-upstream" --address 127.0.0.1 --port 9000 &
upstream_pid=$!
trap 'kill "$upstream_pid" 2>/dev/null || true' EXIT

cat <<'TRY'

Rampart is starting on https://127.0.0.1:8443 in front of the demo API on 127.0.0.1:9000.
Its certificate is self-signed (rampart-data/tls/self-signed.crt), so pass
--cacert rampart-data/tls/self-signed.crt (or -k) to curl. In another terminal, try:

  curl -i --cacert rampart-data/tls/self-signed.crt https://localhost:8443/api/v2/users          # 401: v2 needs a token
  build/rampart users add alice --roles customer                                               # then log in:
  curl --cacert rampart-data/tls/self-signed.crt -H 'Content-Type: application/json' \
       -d '{"username":"alice","password":"<password>"}' https://localhost:8443/auth/login
  curl --cacert rampart-data/tls/self-signed.crt -H "Authorization: Bearer <access_token>" https://localhost:8443/api/v2/users
  curl -i --cacert rampart-data/tls/self-signed.crt https://localhost:8443/api/v1/orders/o1    # deprecated: Deprecation, Sunset, Link
  curl -i --cacert rampart-data/tls/self-signed.crt https://localhost:8443/api/v1/debug/crash  # the upstream's stack trace, masked
  curl -i --cacert rampart-data/tls/self-signed.crt https://localhost:8443/internal/metrics     # not a route: 404, never proxied
  curl -i --cacert rampart-data/tls/self-signed.crt -X DELETE https://localhost:8443/api/v1/users  # 405 with Allow
  curl -i --cacert rampart-data/tls/self-signed.crt 'https://localhost:8443/api/v1/users/%2e%2e/orders'  # dot segment: 400
  curl http://127.0.0.1:9901/metrics                                                           # Prometheus, admin listener
  curl -X POST -H "Authorization: Bearer $(cat rampart-data/admin-token)" http://127.0.0.1:9901/admin/reload

The whole tour: README.md. Ctrl-C stops Rampart (it drains connections first) and the demo upstream.

TRY
"$build_dir/rampart" serve
