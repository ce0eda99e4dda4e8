#!/usr/bin/env bash
# `baraza plugin new` for each kind it scaffolds: the project builds against the SDK only, its
# unit test (on the SDK's TestHost) passes, the host loads the plugin and `plugin call` runs it.
set -euo pipefail
src=$1 baraza=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A inputs=(
  [verifier]='{"document_type": "KRA PIN", "number": "A744610021G"}|"result":"not_found"'
  [intent]='{"text": "hello"}|"name":"greeting"'
  [conversation]='{"message": {"type": "text", "text": {"body": "habari"}}}|You said: habari'
  [flow]='{"action": "INIT", "screen": "", "data": {}}|"screen":"START"'
  [channel]='{"to": "+254700000001", "type": "text", "text": {"body": "hi"}}|"url":"https://api.example.com/v1/messages"'
  [media]='{"key": "demo/none"}|{}'
)
for kind in verifier intent conversation flow channel media; do
  dir="$work/$kind"
  "$baraza" plugin new --kind "$kind" --id "com.example.$kind.field_desk" "$dir" >/dev/null
  { cmake -S "$dir" -B "$dir/build" -G Ninja -DBarazaSDK_DIR="$src/sdk/cmake" &&
    cmake --build "$dir/build" && ctest --test-dir "$dir/build" --output-on-failure; } \
    >"$work/$kind.log" 2>&1 || { echo "$kind: the scaffold does not build or pass"; cat "$work/$kind.log"; exit 1; }
  list=$("$baraza" plugins list --dir "$dir/build/lib/baraza/plugins")
  grep -qE "com.example.$kind.field_desk +0.1.0 +$kind +1\.[0-9]+ +loaded" <<<"$list" \
    || { echo "$list"; exit 1; }
  input=${inputs[$kind]%%|*} expected=${inputs[$kind]#*|}
  op=$kind.$(case $kind in verifier) echo verify ;; intent) echo detect ;;
                           conversation) echo on_message ;; flow) echo exchange ;;
                           channel) echo build_send ;; media) echo remove ;; esac)
  got=$("$baraza" plugin call "$dir/build/lib/baraza/plugins/field-desk" --op "$op" <<<"$input")
  grep -qF "$expected" <<<"$got" || { echo "$kind: $op answered $got"; exit 1; }
  echo "$kind: scaffolded, built, tested, loaded and called"
done
# An existing folder is never written into.
if "$baraza" plugin new --kind verifier --id com.example.verifier.again "$work/verifier" 2>/dev/null; then
  echo "plugin new wrote into an existing folder"; exit 1
fi
