#!/usr/bin/env bash
# The dependency order of core's subsystems is written once, in docs/architecture.md (the line
# starting "Order:"); this checks every #include of core against it. A subsystem may include
# only those after it in the order; those in one step ("flows, http") not each other.
# Usage: dependency-order.sh SOURCE_DIR
set -euo pipefail
root="$1"
line=$(grep -m1 '^Order: `' "$root/docs/architecture.md" | sed -e 's/^Order: `//' -e 's/`.*$//')
[[ -n "$line" ]] || { echo "no 'Order: \`...\`' line in docs/architecture.md" >&2; exit 1; }

declare -A rank
level=0
IFS='>' read -ra steps <<<"${line//->/>}"
for (( i=${#steps[@]}-1; i>=0; i-- )); do  # the last step is the bottom: rank 0
  IFS=',' read -ra names <<<"${steps[$i]}"
  for name in "${names[@]}"; do
    name=$(echo "$name" | tr -d ' ')
    rank[$name]=$level
  done
  level=$((level + 1))
done

status=0
for dir in "$root"/core/*/; do
  subsystem=$(basename "$dir")
  if [[ -z "${rank[$subsystem]+set}" ]]; then
    echo "core/$subsystem is not in docs/architecture.md's order: $line"
    status=1
    continue
  fi
  while IFS= read -r hit; do
    file=${hit%%:*}
    target=$(echo "$hit" | sed -E 's/.*#include "([a-z]+)\/.*/\1/')
    [[ "$target" == "$subsystem" || -z "${rank[$target]+set}" ]] && continue
    if (( rank[$target] >= rank[$subsystem] )); then
      echo "${file#$root/}: $subsystem includes $target, which is not below it ($line)"
      status=1
    fi
  done < <(grep -rHE '^#include "[a-z]+/' "$dir" --include='*.h' --include='*.cpp' | grep -vE '/(tests|testing)/' || true)
done
[[ $status -eq 0 ]] && echo "every include of core follows: $line"
exit $status
