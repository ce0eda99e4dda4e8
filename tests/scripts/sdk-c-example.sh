#!/usr/bin/env bash
# Builds sdk/examples/c-verifier out of tree with plain `cc` and make (no C++, no CMake), has the
# host load it, and runs real requests through it with `baraza plugin call`.
set -euo pipefail
src=$1 baraza=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src"/sdk/examples/c-verifier/{Makefile,pin_list.c,plugin.json} "$work/"
make -s -C "$work" CC=cc BARAZA_INCLUDE="$src/sdk/include" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
# Built as C: no C++ runtime among what the library needs.
if readelf -d "$work/pin-list/libpin-list.so" | grep -q 'libstdc++'; then
  echo "the C plugin links libstdc++"; exit 1
fi
out=$("$baraza" plugins list --dir "$work")
echo "$out"
grep -qE "com.example.verifier.pinlist +0.1.0 +verifier +1\.0 +loaded" <<<"$out"
"$(dirname "$0")/plugin-exports.sh" "$work"

echo '{"pins": {"A744610021G": "JOHN KAMAU TEST"}}' >"$work/config.json"
call() { "$baraza" plugin call "$work/pin-list" --op verifier.verify --config "$work/config.json"; }
expect() {  # expect INPUT FRAGMENT
  local got
  got=$(call <<<"$1")
  grep -qF "$2" <<<"$got" || { echo "for $1: expected $2, got $got"; exit 1; }
}
expect '{"document_type": "KRA PIN", "number": " a744610021g "}' '"result":"verified","pin":"A744610021G","name":"JOHN KAMAU TEST"'
expect '{"document_type": "KRA PIN", "number": "A000000001Z"}' '"result":"not_found"'
expect '{"document_type": "KRA PIN", "number": "A12"}' '"result":"invalid_format"'
expect '{"document_type": "Passport", "number": "AK0000001"}' '"result":"unsupported_document_type"'
# A request without its fields is the plugin's INVALID_ARGUMENT, exit 1 with the reason.
if err=$(call <<<'{}' 2>&1); then echo "an empty request was answered: $err"; exit 1; fi
grep -qF "INVALID_ARGUMENT: a verification request has document_type and number" <<<"$err"
# A configuration its schema refuses never reaches the plugin: exit 2 naming the key.
echo '{}' >"$work/config.json"
set +e
err=$(call <<<'{}' 2>&1); rc=$?
set -e
[[ $rc -eq 2 ]] && grep -qF "config.pins: required but missing" <<<"$err" || { echo "rc=$rc: $err"; exit 1; }
echo "ok"
