#!/usr/bin/env bash
# `make run`: the fake KRA on 127.0.0.1:8089 in the background, then `baraza serve` on the dev
# setup; stopping baraza (Ctrl-C) stops the fake too.
set -euo pipefail
build_dir=${1:-build/default}
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/$build_dir/tests/baraza-fake-kra" 8089 &
fake=$!
trap 'kill "$fake" 2>/dev/null || true' EXIT
sleep 0.2
kill -0 "$fake" 2>/dev/null || { echo "run-dev: the fake KRA did not start (port 8089 in use?)" >&2; exit 1; }
"$root/$build_dir/core/app/baraza" serve --config "$root/var/etc/baraza.properties"
