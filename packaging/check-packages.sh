#!/usr/bin/env bash
# Builds the .deb and .rpm from a build tree (into a private folder) and checks their contents.
set -euo pipefail
build=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack --config "$build/CPackConfig.cmake" -G "DEB;RPM" -B "$out" >"$out/cpack.log" 2>&1 \
  || { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/*.deb)
rpm=$(ls "$out"/*.rpm)
fail=0
expect() {  # expect <listing> <path> [mode]
  if ! grep -qE "$2\$" <<<"$1"; then echo "missing: $2"; fail=1; fi
}
debList=$(dpkg-deb -c "$deb")
for p in ./usr/bin/baraza ./usr/lib/baraza/plugins/baraza-echo/libbaraza-echo.so \
         ./usr/lib/baraza/plugins/baraza-echo/plugin.json ./etc/baraza/baraza.properties \
         ./etc/baraza/baraza.env ./usr/lib/systemd/system/baraza.service \
         ./usr/lib/tmpfiles.d/baraza.conf ./usr/lib/sysusers.d/baraza.conf; do
  expect "$debList" "$p"
done
if grep -E "plugins/.*(rw.rw|rw..w)" <<<"$debList"; then echo "plugin files writable by group/others"; fail=1; fi
conffiles=$(dpkg-deb -I "$deb" conffiles)
grep -qx /etc/baraza/baraza.properties <<<"$conffiles" || { echo "baraza.properties is not a conffile"; fail=1; }
dpkg-deb -I "$deb" postinst | grep -q "useradd --system" || { echo "postinst does not create the user"; fail=1; }
# The systemd unit as packaged: every directive known to systemd (verify warns and exits 0 on an
# unknown one, so any output fails), and sandboxed (exposure at most 2.5 of 10; 9.0 unsandboxed).
dpkg-deb -x "$deb" "$out/root"
sed "s|/usr/bin/baraza|$out/root/usr/bin/baraza|" "$out/root/usr/lib/systemd/system/baraza.service" >"$out/baraza.service"
verify=$(systemd-analyze verify "$out/baraza.service" 2>&1) || true
[[ -z "$verify" ]] || { echo "systemd-analyze verify baraza.service: $verify"; fail=1; }
if ! systemd-analyze security --offline=true --threshold=25 "$out/baraza.service" >"$out/security.txt" 2>&1; then
  echo "baraza.service is not sandboxed enough:"; grep -E "Overall|✗" "$out/security.txt"; fail=1
fi
rpmList=$(rpm -qlp "$rpm" 2>/dev/null)
for p in /usr/bin/baraza /usr/lib/baraza/plugins/baraza-echo/libbaraza-echo.so \
         /etc/baraza/baraza.properties /usr/lib/systemd/system/baraza.service; do
  expect "$rpmList" "$p"
done
rpm -qcp "$rpm" 2>/dev/null | grep -qx /etc/baraza/baraza.properties || { echo "rpm: not %config"; fail=1; }
[[ $fail -eq 0 ]] && echo "packages OK: $(basename "$deb") $(basename "$rpm")"
exit $fail
