#!/usr/bin/env bash
# Cross-builds the native core and its tests for Windows with mingw-w64
# (static, so no mingw DLLs are needed) and runs the ctest suite under wine.
# The wallet layer and its tests are part of it: libsecp256k1 and libtorsion
# (from the bcrypto package) cross-compiled with mingw-w64, checked against
# the official vectors, which the Windows binaries read in place
# (STRONGROOM_VECTORS and STRONGROOM_CRYPTOGRAPHY_VECTORS, as natively; wine
# maps the Unix paths to its Z: drive). With STRONGROOM_REQUIRE_VECTORS=1 a
# missing vector file fails the run.
#
# Needs: apt-get install -y g++-mingw-w64-x86-64-posix wine64 (plus cmake,
# ninja). With CI=true and root, missing packages are installed.
# wine cannot show everything Windows does: its QueryWorkingSetEx never
# reports Locked, so the tests assert the lock read-back as Unknown there.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${STRONGROOM_CORE_WIN32_BUILD:-build/core-win32}
export WINEDEBUG=-all
export WINEPREFIX=${WINEPREFIX:-/tmp/strongroom-wineprefix}
# No display: wine must never try to open a window (crash dialogs, installers).
export DISPLAY=
# Do not offer to install wine-mono / wine-gecko into a new prefix.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

need=()
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64-posix)
command -v wine >/dev/null || need+=(wine64 wine)
if ((${#need[@]})); then
  if [[ ${CI:-} == true && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi

if [[ ! -f $WINEPREFIX/system.reg ]]; then
  mkdir -p "$(dirname "$WINEPREFIX")"
  log=$(mktemp)
  start=$SECONDS
  if ! wineboot -i >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "wineboot -i failed for $WINEPREFIX" >&2
    exit 1
  fi
  rm -f "$log"
  echo "created wine prefix $WINEPREFIX in $((SECONDS - start)) s"
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" -DSTRONGROOM_BUILD_TESTS=ON -DSTRONGROOM_BUILD_WALLET=ON >/dev/null
cmake --build "$build" --parallel
# The wallet's oracles must be among the tests: a configuration that dropped
# them would otherwise pass silently.
wallet_tests=$(cd "$build" && ctest -N | grep -c ' wallet_' || true)
if ((wallet_tests == 0)); then
  echo "no wallet tests in $build: the wallet layer was not built for Windows" >&2
  exit 1
fi
echo "$wallet_tests wallet test programs"

# wine's server and system processes (services.exe, winedevice.exe) start with
# the first wine program and outlive it. Started from inside ctest they would
# inherit its output pipe, and ctest would wait seconds after every test for
# the pipe to close. Start them here without stdio instead; they exit on their
# own 30 s after the last wine program ends.
# Exits 2 when a server is already running (a run less than 30 s ago): fine.
wineserver -p30 </dev/null >/dev/null 2>&1 || true
wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1 || true

(cd "$build" && ctest --output-on-failure)
# Windows pages are 4 KiB; VirtualAlloc's 64 KiB granularity gives the
# alignment a simulated 16 KiB page needs (see page_size.h).
echo "again with simulated 16384-byte pages"
(cd "$build" && STRONGROOM_SIMULATED_PAGE_SIZE=16384 ctest --output-on-failure)
