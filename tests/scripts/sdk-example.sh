#!/usr/bin/env bash
# Builds sdk/examples/keyword-intent out of tree, only against sdk/ (as a third party would),
# then has the host load it.
set -euo pipefail
src=$1 baraza=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src/sdk/examples/keyword-intent" -B "$work/build" -G Ninja \
  -DBarazaSDK_DIR="$src/sdk/cmake" -DCMAKE_BUILD_TYPE=Release >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
cmake --build "$work/build" >>"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
out=$("$baraza" plugins list --dir "$work/build/lib/baraza/plugins")
echo "$out"
minor=$(sed -n 's/^#define BARAZA_ABI_LATEST_MINOR \([0-9]*\)$/\1/p' "$src/sdk/include/baraza/abi.h")
grep -qE "com.example.intent.keyword +0.1.0 +intent +1\.$minor +loaded" <<<"$out"
"$(dirname "$0")/plugin-exports.sh" "$work/build/lib/baraza/plugins"
