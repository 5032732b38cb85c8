#!/usr/bin/env bash
# Builds the native core natively and runs its ctest suite twice: with the
# OS page size, then with a simulated larger one (STRONGROOM_SIMULATED_PAGE_SIZE:
# 16 KiB, as on Apple silicon, or 64 KiB where the OS already has 16 KiB), so
# that a test or a code path that assumes 4 KiB pages fails here too.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${STRONGROOM_CORE_BUILD:-build/core}
generator=()
if [[ ${OS:-} == Windows_NT ]]; then
  # MSVC, the compiler cmake-js builds the shipped addon with: CMake's default
  # generator on Windows is the newest Visual Studio installed, here for the
  # architecture of this Node (the prebuild's). Ninja would take the first
  # compiler on PATH (MinGW g++ or clang++ on the runner images).
  unset CMAKE_GENERATOR
  case $(node -p process.arch) in
    arm64) generator=(-A ARM64) ;;
    ia32) generator=(-A Win32) ;;
    *) generator=(-A x64) ;;
  esac
elif command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRONGROOM_BUILD_TESTS=ON >/dev/null
if [[ ${OS:-} == Windows_NT ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Visual Studio' "$build/CMakeCache.txt"; then
  echo "test-core: on Windows the core tests must build with a Visual Studio generator (MSVC); got: $(grep '^CMAKE_GENERATOR:' "$build/CMakeCache.txt")" >&2
  exit 1
fi
# --config / -C matter for multi-config generators (Visual Studio, Xcode).
cmake --build "$build" --parallel --config RelWithDebInfo
(cd "$build" && ctest --output-on-failure -C RelWithDebInfo)

os_page=$(getconf PAGESIZE 2>/dev/null || echo 4096)
simulated=16384
((os_page < simulated)) || simulated=65536
echo "again with simulated ${simulated}-byte pages (the OS has ${os_page})"
(cd "$build" && STRONGROOM_SIMULATED_PAGE_SIZE=$simulated ctest --output-on-failure -C RelWithDebInfo)
