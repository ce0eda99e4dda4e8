#!/usr/bin/env bash
# Real `baraza` processes (serving, webhooks, the CLI, sending) stay within the sandbox of
# baraza.service: every system call they make is in the unit's SystemCallFilter, every socket
# they open is of a family in RestrictAddressFamilies, and no mapping is writable and executable
# (MemoryDenyWriteExecute). Traced with strace over integration tests, so that a change that
# needs more fails here rather than with EPERM under systemd.
# Usage: sandbox-syscalls.sh <unit file> <test binary>[:<gtest filter>] ...
set -euo pipefail
unit=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The tests start baraza through this wrapper (BARAZA_TEST_WRAPPER): strace attaches to the
# wrapper's own process, which then execs baraza, so the tests' signals still reach baraza.
cat >"$work/wrap.sh" <<EOF
#!/usr/bin/env bash
strace -f -qq -o "$work/trace.\$\$" -p \$\$ 2>"$work/strace-err.\$\$" &
for _ in \$(seq 1000); do
  [[ \$(awk '/^TracerPid:/ {print \$2}' /proc/\$\$/status) != 0 ]] && exec "\$@"
  sleep 0.01
done
echo "strace did not attach: \$(cat "$work/strace-err.\$\$")" >&2
exit 97
EOF
chmod +x "$work/wrap.sh"

# Where a process may not trace its parent (Yama ptrace_scope >= 1 without CAP_SYS_PTRACE),
# nothing can be traced this way: say so and skip (ctest shows 77 as skipped, not passed).
if ! "$work/wrap.sh" true 2>/dev/null; then
  echo "skipped: strace cannot attach to a parent process here (kernel.yama.ptrace_scope?)"
  exit 77
fi
rm -f "$work"/trace.* "$work"/strace-err.*

# LeakSanitizer (in the debug build) stops the world with ptrace at exit, which a traced process
# cannot allow: it would fail every traced run. Leaks are checked by the same tests run untraced.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for spec in "$@"; do
  binary=${spec%%:*}
  filter='*'
  [[ $spec == *:* ]] && filter=${spec#*:}
  if ! BARAZA_TEST_WRAPPER="$work/wrap.sh" "$binary" --gtest_filter="$filter" >"$work/tests.log" 2>&1; then
    echo "the traced tests failed: $binary --gtest_filter=$filter"
    tail -n 40 "$work/tests.log"
    exit 1
  fi
done
shopt -s nullglob
traces=("$work"/trace.*)
[[ ${#traces[@]} -gt 0 ]] || { echo "no baraza process was traced"; exit 1; }

# What each trace shows from the exec of baraza on (before it, the wrapper's own calls).
for t in "${traces[@]}"; do
  awk '/execve\(".*\/baraza"/ {on = 1} on' "$t"
done >"$work/calls"
grep -q . "$work/calls" || { echo "the traces hold no exec of baraza"; exit 1; }

# The filter's groups expanded to system call names.
expand() {
  local item
  for item in "$@"; do
    if [[ $item == @* ]]; then
      # shellcheck disable=SC2046
      expand $(systemd-analyze syscall-filter "$item" 2>/dev/null | tail -n +2 | grep -v '^ *#' | tr -d ' ')
    elif [[ -n $item ]]; then
      echo "$item"
    fi
  done
}
filter=$(sed -n 's/^SystemCallFilter=//p' "$unit")
[[ -n $filter ]] || { echo "$unit has no SystemCallFilter="; exit 1; }
# shellcheck disable=SC2086
expand $filter | sort -u >"$work/allowed"
sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$work/calls" | sort -u >"$work/used"
fail=0
outside=$(comm -23 "$work/used" "$work/allowed")
if [[ -n $outside ]]; then
  echo "system calls outside SystemCallFilter=$filter:" $outside
  fail=1
fi

families=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
for family in $(grep -oE 'socket\(AF_[A-Z0-9]+' "$work/calls" | sed 's/socket(//' | sort -u); do
  [[ " $families " == *" $family "* ]] || { echo "a socket of family $family (allowed: $families)"; fail=1; }
done

if grep -q '^MemoryDenyWriteExecute=yes' "$unit" &&
   grep -E '(mmap|mprotect)\(.*PROT_WRITE\|PROT_EXEC' "$work/calls"; then
  echo "a writable and executable mapping (MemoryDenyWriteExecute=yes)"
  fail=1
fi

[[ $fail -eq 0 ]] && echo "sandbox OK: ${#traces[@]} baraza processes, $(wc -l <"$work/used") distinct system calls"
exit $fail
