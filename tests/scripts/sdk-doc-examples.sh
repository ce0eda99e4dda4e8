#!/usr/bin/env bash
# The plugins printed in docs/plugin-authors.md ("A plugin of each kind"), exactly as printed:
# each is under 40 lines of C++ (blank lines, comments and includes aside), builds against the
# SDK only, loads in the host, and answers through `baraza plugin call`.
set -euo pipefail
src=$1 baraza=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kinds=(verifier intent conversation flow channel media)
# Each example is a ```cpp block whose first line is "// <kind>.cpp: ...".
awk -v dir="$work" '
  /^```cpp$/ { inside = 1; file = ""; next }
  /^```$/ { inside = 0; file = ""; next }
  inside && file == "" && match($0, /^\/\/ [a-z]+\.cpp:/) { file = dir "/" substr($0, 4, RLENGTH - 4) }
  inside && file != "" { print > file }
' "$src/docs/plugin-authors.md"
for kind in "${kinds[@]}"; do
  [[ -f "$work/$kind.cpp" ]] || { echo "docs/plugin-authors.md has no $kind.cpp example"; exit 1; }
  lines=$(grep -cvE '^\s*$|^\s*//|^#include' "$work/$kind.cpp")
  (( lines < 40 )) || { echo "$kind.cpp: $lines lines of C++, not under 40"; exit 1; }
done
echo '{"type": "object"}' >"$work/schema.json"
# The CMakeLists.txt the page prints for them.
awk '/^```cmake$/ { n++; inside = (n == 1); next } /^```$/ { inside = 0 } inside' \
  "$src/docs/plugin-authors.md" >"$work/CMakeLists.txt"
grep -q "foreach(kind verifier intent conversation flow channel media)" "$work/CMakeLists.txt" \
  || { echo "the page's first cmake block is not the examples' project"; cat "$work/CMakeLists.txt"; exit 1; }
{ cmake -S "$work" -B "$work/build" -G Ninja -DBarazaSDK_DIR="$src/sdk/cmake" &&
  cmake --build "$work/build"; } >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
plugins=$work/build/lib/baraza/plugins
list=$("$baraza" plugins list --dir "$plugins")
for kind in "${kinds[@]}"; do
  grep -qE "com.example.$kind.example +0.1.0 +$kind +1\.[0-9]+ +loaded" <<<"$list" || { echo "$list"; exit 1; }
done
echo '{"keywords": {"refund": "request_refund", "late": "complain"}}' >"$work/intent.json"
echo '{}' >"$work/empty.json"
check() {  # kind operation config input expected
  local got
  got=$("$baraza" plugin call "$plugins/$1-example" --op "$1.$2" --config "$work/$3" <<<"$4" 2>&1) || true
  grep -qF "$5" <<<"$got" || { echo "$1.$2 answered: $got (expected $5)"; exit 1; }
  echo "$1: built from the page, loaded, $2 answered"
}
check verifier verify empty.json '{"document_type": "Passport", "number": "A1"}' '"result":"invalid_format"'
check intent detect intent.json '{"text": "I want a refund"}' '"name":"request_refund"'
check intent detect intent.json '{"text": "a refund, and late"}' '"ambiguous":true'
check conversation on_message empty.json \
  '{"message": {"type": "text", "text": {"body": "hi"}}, "contact": {"wa_id": "1", "profile_name": "Amina"}, "state": {"count": 2}}' \
  'Hello Amina, that makes 3'
check flow exchange empty.json '{"action": "data_exchange", "screen": "NAME", "data": {"name": "Amina"}}' '"screen":"THANKS"'
check channel build_send empty.json '{"to": "+254700000001", "type": "text", "text": {"body": "hi"}}' '"url":"https://sms.example/send"'
check channel build_send empty.json '{"to": "+254700000001", "type": "image"}' 'INVALID_ARGUMENT: type: only text'
check media get empty.json '{"key": "demo/none"}' 'NOT_FOUND: no demo/none'
