#!/usr/bin/env bash
# Installs the Debian 12 packages Rampart builds, tests and benchmarks with.
# Idempotent: packages already present are skipped, so a second run costs a few
# dpkg queries and no network. Must run as root (or through sudo) when anything
# is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache clang-14 lld-14 lld libclang-rt-14-dev llvm-14 clang-format pkg-config
  # libraries (DEVELOPERS.md, "Chosen dependencies")
  libboost1.81-all-dev libboost-json1.81-dev libssl-dev openssl libsodium-dev libyaml-cpp-dev libcli11-dev
  libsqlite3-dev libpq-dev libhiredis-dev redis-server libgtest-dev libgmock-dev libbenchmark-dev
  # the injection filter: libmodsecurity3 and the OWASP Core Rule Set it runs
  libmodsecurity-dev modsecurity-crs
  # multipart/form-data uploads are parsed by GMime for the multipart limits
  libgmime-3.0-dev
  # tcmalloc for the rampart binary: malloc/free were 11 % of the proxy core with glibc's
  libgoogle-perftools-dev
  # JSON Schema validation of request bodies and parameters (header-only)
  libvalijson-dev
  # common-password list for the password policy (/usr/share/john/password.lst)
  john-data sqlite3
  # tools the tests and the demo use
  curl ca-certificates procps iproute2 util-linux
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo "$0" "$@"
  fi
  echo "install-deps: missing packages and not root; run as root: $0" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
