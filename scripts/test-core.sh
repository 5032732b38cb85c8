#!/usr/bin/env bash
# Builds the native core natively and runs its ctest suite:
#  1. the suites that do not depend on the sealing method, once;
#  2. the suites that do, once per sealing method this machine offers
#     (STRONGROOM_TEST_SEALING, read only by the tests: pkey, kernel-copy,
#     mprotect); a method the machine lacks is reported with the probe's
#     reason, never replaced by another;
#  3. everything again with a simulated larger page size
#     (STRONGROOM_SIMULATED_PAGE_SIZE: 16 KiB, as on Apple silicon, or 64 KiB
#     where the OS already has 16 KiB), so that a test or a code path that
#     assumes 4 KiB pages fails here too.
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

# The suites whose regions and pools seal with the method under test.
per_method='^core_(06|08|10|11|13|15|18)_'
(cd "$build" && ctest --output-on-failure -C RelWithDebInfo -E "$per_method")

# Any test executable lists the methods (test_01 is the smallest); a
# multi-config generator puts it in a per-configuration folder.
probe=$(find "$build" -type f \( -name test_01_page_size -o -name test_01_page_size.exe \) | head -n 1)
[[ -n $probe ]] || { echo "test_01_page_size was not built in $build" >&2; exit 1; }
ran=0
while read -r method verdict; do
  verdict=${verdict%$'\r'} # Windows consoles end lines with CRLF
  if [[ $verdict == available ]]; then
    echo "sealing ${method}: the method-dependent suites"
    (cd "$build" && STRONGROOM_TEST_SEALING=$method ctest --output-on-failure -C RelWithDebInfo -R "$per_method")
    ran=$((ran + 1))
  else
    echo "sealing ${method}: not run here, ${verdict}"
  fi
done < <("$probe" --sealing-methods)
((ran > 0)) || { echo "no sealing method is available: nothing sealed was tested" >&2; exit 1; }

os_page=$(getconf PAGESIZE 2>/dev/null || echo 4096)
simulated=16384
((os_page < simulated)) || simulated=65536
echo "again with simulated ${simulated}-byte pages (the OS has ${os_page})"
(cd "$build" && STRONGROOM_SIMULATED_PAGE_SIZE=$simulated ctest --output-on-failure -C RelWithDebInfo)
