#!/usr/bin/env bash
# Installs what Baraza needs to build, test, run and package on Debian 12. Idempotent: when every
# package is present it only asks dpkg and returns.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libpoco-dev libboost-dev libboost-filesystem-dev libssl-dev openssl
  libsqlite3-dev libmariadb-dev mariadb-server nlohmann-json3-dev libcjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  rpm dpkg-dev file curl systemd strace gdb procps lintian rpmlint
  clang libclang-rt-14-dev clang-format-14
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# mariadb-server's postinst tries to start the service; tests run their own private server.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
