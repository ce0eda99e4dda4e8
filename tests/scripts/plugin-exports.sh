#!/usr/bin/env bash
# Every plugin in the given directory exports exactly the three entry points of abi.h.
set -euo pipefail
status=0
count=0
for so in "$1"/*/*.so; do
  count=$((count + 1))
  exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
  if [[ "$exported" != "baraza_plugin_abi_version baraza_plugin_init baraza_plugin_shutdown " ]]; then
    echo "$so exports: $exported"
    status=1
  fi
done
[[ $count -gt 0 ]] || { echo "no plugins found in $1"; exit 1; }
[[ $status -eq 0 ]] && echo "$count plugin(s) export exactly the three entry points"
exit $status
