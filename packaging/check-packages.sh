#!/usr/bin/env bash
# Builds the .deb and .rpm from a build tree (into a private folder) and checks their contents.
set -euo pipefail
build=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack --config "$build/CPackConfig.cmake" -G "DEB;RPM" -B "$out" >"$out/cpack.log" 2>&1 \
  || { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/baraza_*.deb)
rpm=$(ls "$out"/baraza-[0-9]*.rpm)
devDeb=$(ls "$out"/baraza-dev_*.deb)
devRpm=$(ls "$out"/baraza-devel-*.rpm)
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

# The SDK packages: headers, the CMake package and pkg-config, tied to the host's exact version.
devList=$(dpkg-deb -c "$devDeb")
for p in ./usr/include/baraza/abi.h ./usr/include/baraza/sdk/Plugin.hpp \
         ./usr/lib/cmake/BarazaSDK/BarazaSDKConfig.cmake \
         ./usr/lib/cmake/BarazaSDK/BarazaSDKConfigVersion.cmake \
         ./usr/lib/cmake/BarazaSDK/BarazaPlugin.cmake ./usr/share/pkgconfig/baraza-sdk.pc; do
  expect "$devList" "$p"
done
if grep -E "\.(so|o)$" <<<"$devList"; then echo "baraza-dev holds built files"; fail=1; fi
version=$(dpkg-deb -f "$deb" Version)
[[ "$(dpkg-deb -f "$devDeb" Depends)" == "baraza (= $version), nlohmann-json3-dev (>= 3.9)" ]] \
  || { echo "baraza-dev depends on: $(dpkg-deb -f "$devDeb" Depends)"; fail=1; }
rpm -qpR "$devRpm" 2>/dev/null | grep -qx "baraza = $version" || { echo "baraza-devel: requires"; fail=1; }
rpm -qlp "$devRpm" 2>/dev/null | grep -qx /usr/lib/cmake/BarazaSDK/BarazaSDKConfig.cmake \
  || { echo "baraza-devel: no CMake package"; fail=1; }
# A plugin builds against the SDK as packaged (unpacked, not from the source tree): found by
# find_package with a version, refused for another major, and by pkg-config.
dpkg-deb -x "$devDeb" "$out/sdk"
sdk="$out/sdk/usr"
example=$(dirname "$0")/../sdk/examples/keyword-intent
cp -r "$example" "$out/keyword-intent"
sed -i 's/find_package(BarazaSDK REQUIRED)/find_package(BarazaSDK 1.2 REQUIRED)/' "$out/keyword-intent/CMakeLists.txt"
if ! cmake -S "$out/keyword-intent" -B "$out/kw" -G Ninja -DCMAKE_PREFIX_PATH="$sdk" \
     >"$out/kw.log" 2>&1 || ! cmake --build "$out/kw" >>"$out/kw.log" 2>&1; then
  echo "a plugin does not build against the packaged SDK:"; cat "$out/kw.log"; fail=1
fi
[[ -f "$out/kw/lib/baraza/plugins/keyword-intent/plugin.json" ]] || { echo "no plugin.json written"; fail=1; }
sed -i 's/find_package(BarazaSDK 1.2 REQUIRED)/find_package(BarazaSDK 2.0 REQUIRED)/' "$out/keyword-intent/CMakeLists.txt"
if cmake -S "$out/keyword-intent" -B "$out/kw2" -DCMAKE_PREFIX_PATH="$sdk" >/dev/null 2>&1; then
  echo "find_package(BarazaSDK 2.0) accepted SDK $(grep -o 'PACKAGE_VERSION "[^"]*"' "$sdk/lib/cmake/BarazaSDK/BarazaSDKConfigVersion.cmake")"
  fail=1
fi
abi=$(sed -n 's/^#define BARAZA_ABI_VERSION_MAJOR \([0-9]*\)$/\1/p' "$sdk/include/baraza/abi.h").$(
  sed -n 's/^#define BARAZA_ABI_LATEST_MINOR \([0-9]*\)$/\1/p' "$sdk/include/baraza/abi.h")
pcVersion=$(PKG_CONFIG_PATH="$sdk/share/pkgconfig" pkg-config --modversion baraza-sdk)
[[ "$pcVersion" == "$abi" ]] || { echo "pkg-config baraza-sdk is $pcVersion, the ABI $abi"; fail=1; }
[[ $fail -eq 0 ]] && echo "packages OK: $(basename "$deb") $(basename "$rpm") $(basename "$devDeb") $(basename "$devRpm")"
exit $fail
