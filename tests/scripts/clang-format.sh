#!/usr/bin/env bash
# Every C and C++ source of the tree is as .clang-format lays it out: clang-format 14 (Debian 12's)
# would change nothing. On a diff it names the files and how to fix them.
# Usage: clang-format.sh SOURCE_DIR
set -euo pipefail
root="$1"
format=$(command -v clang-format-14 || command -v clang-format) || { echo "clang-format is not installed" >&2; exit 1; }
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h' '*.hpp')
else
  mapfile -t files < <(find core sdk plugins tests bench fuzz \( -name '*.c' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) | sort)
fi
bad=()
for f in "${files[@]}"; do
  "$format" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
  printf 'not formatted: %s\n' "${bad[@]}"
  echo "fix with: $format -i ${bad[*]}"
  exit 1
fi
echo "${#files[@]} files formatted"
