#!/usr/bin/env bash
# The portability build: compiles (syntax only, about a minute) what the other
# platforms' headers and compilers would reject, so that the class of defect
# fails here and not first on the GitHub matrix.
#
#  1. XSI/POSIX headers, as macOS and musl have them. With -U_GNU_SOURCE
#     -D_DEFAULT_SOURCE glibc declares the XSI strerror_r (it returns int) and
#     hides the GNU extensions. Every core file that macOS compiles too
#     (shared, posix_*, no_*), the POSIX test support and the addon. glibc's
#     <pthread.h> then lacks two GNU functions libstdc++ itself calls:
#     native/core/tests/portability/xsi_libstdcxx.h declares just those.
#  2. MSVC's windows.h under mingw-w64. mingw-w64 defines windows.h's min/max
#     macros for C only; MSVC defines them for C++ too unless NOMINMAX is set.
#     CMake sets NOMINMAX and WIN32_LEAN_AND_MEAN for every target, and this
#     build defines the macros anyway (native/core/tests/portability/msvc/windows.h
#     comes first on the include path) after the standard headers (force-included
#     first, since MSVC's are immune to the macros and libstdc++'s are not): no
#     file may depend on the macros being absent. Every file the Windows build
#     compiles, its tests and the addon.
#  The wallet layer (native/wallet/src) is compiled in both passes too.
#  3. Warnings are errors for the core (with its own warning set) and the
#     addon, in both passes; the tests must compile.
#
# Needs g++ and x86_64-w64-mingw32-g++-posix (apt-get install -y
# g++-mingw-w64-x86-64-posix). Files are chosen by name, as CMake chooses them.
set -euo pipefail
cd "$(dirname "$0")/.."

mingw=x86_64-w64-mingw32-g++-posix
for compiler in g++ "$mingw"; do
  if ! command -v "$compiler" >/dev/null; then
    echo "test-portability: $compiler is missing (apt-get install -y g++ g++-mingw-w64-x86-64-posix)" >&2
    exit 1
  fi
done

node_api=(-isystem node_modules/node-api-headers/include -isystem node_modules/node-addon-api
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS -DNODE_API_NO_EXTERNAL_BUFFERS_ALLOWED)
core_warnings=(-Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Werror)
addon_warnings=(-Wall -Wextra -Werror)
core_include=(-Inative/core/include -Inative/core/src)
test_include=("${core_include[@]}" -Inative/core/tests/support)

shopt -s nullglob
shared=()
for file in native/core/src/*.cc; do
  [[ $(basename "$file") =~ ^(linux|darwin|win32|posix|no)_ ]] || shared+=("$file")
done
posix=(native/core/src/posix_*.cc native/core/src/no_*.cc)
win32=(native/core/src/win32_*.cc native/core/src/no_*.cc)
tests=(native/core/tests/[0-9]*.cc native/core/tests/support/test.cc)
posix_tests=(native/core/tests/support/posix_*.cc)
win32_tests=(native/core/tests/support/win32_*.cc native/core/tests/support/no_linux_os_probe.cc)
addon=(native/addon/*.cc native/addon/objects/*.cc)
# The wallet layer is shared code on every OS; its libraries' headers come from
# the bcrypto package (npm ci), as native/wallet/cmake/third_party.cmake finds them.
wallet=(native/wallet/src/*.cc)
bcrypto=node_modules/bcrypto/deps
wallet_include=("${core_include[@]}" -Inative/wallet/include -Inative/wallet/src
  -isystem "$bcrypto/secp256k1/include" -isystem "$bcrypto/torsion/include")
[[ -d $bcrypto ]] || { echo "test-portability: $bcrypto is missing (npm ci)" >&2; exit 1; }
# 08, 11 and 15 need POSIX processes and limits: CMake builds them off Windows only.
win32_suite=()
for file in "${tests[@]}"; do
  [[ $(basename "$file") =~ ^(08|11|15)_ ]] || win32_suite+=("$file")
done

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=0
count=0

# compile PASS COMPILER FLAGS... -- FILES...: one compiler process per file,
# two at a time; every failure is printed with its diagnostics.
compile() {
  local pass=$1 compiler=$2
  shift 2
  local flags=()
  while [[ $1 != -- ]]; do
    flags+=("$1")
    shift
  done
  shift
  pids=()
  files=()
  outs=()
  for file in "$@"; do
    local out="$log/$count.txt"
    count=$((count + 1))
    "$compiler" -std=c++17 -fsyntax-only -Winvalid-pch "${flags[@]}" "$file" >"$out" 2>&1 &
    pids+=($!)
    files+=("$file")
    outs+=("$out")
    ((${#pids[@]} < 2)) || wait_all "$pass"
  done
  wait_all "$pass"
}
wait_all() {
  local pass=$1 j
  for j in "${!pids[@]}"; do
    if ! wait "${pids[$j]}"; then
      failed=$((failed + 1))
      echo "FAIL [$pass] ${files[$j]}"
      sed 's/^/    /' "${outs[$j]}" | head -40
    fi
  done
  pids=()
  files=()
  outs=()
}

# Each pass force-includes a prefix header: every standard header the
# project's sources (and node-addon-api) include, first. MSVC's standard
# headers are immune to the min/max macros (they spell (std::max)(a, b));
# libstdc++'s are not, so they must come before any windows.h. It is
# precompiled once per pass: the build then takes seconds, not minutes.
standard_headers=$(grep -rhoE '^#include <[a-z_]+>' native node_modules/node-addon-api/napi.h \
  node_modules/node-addon-api/napi-inl.h | sort -u)
prefix() { # prefix PASS COMPILER [FIRST_INCLUDE] -- FLAGS...
  local pass=$1 compiler=$2 first=$3
  shift 4
  mkdir -p "$log/$pass"
  {
    [[ -z $first ]] || echo "#include \"$PWD/$first\""
    echo "$standard_headers"
  } >"$log/$pass/prefix.h"
  "$compiler" -std=c++17 "$@" -x c++-header "$log/$pass/prefix.h" -o "$log/$pass/prefix.h.gch"
}

xsi=(-U_GNU_SOURCE -D_DEFAULT_SOURCE)
prefix xsi g++ native/core/tests/portability/xsi_libstdcxx.h -- "${xsi[@]}"
xsi+=(-include "$log/xsi/prefix.h")
compile xsi g++ "${xsi[@]}" "${core_include[@]}" "${core_warnings[@]}" -- "${shared[@]}" "${posix[@]}"
compile xsi g++ "${xsi[@]}" "${wallet_include[@]}" "${core_warnings[@]}" -- "${wallet[@]}"
# The numbered tests are left out here: their Linux halves use GNU
# extensions on purpose, and the darwin halves need the macOS SDK.
compile xsi g++ "${xsi[@]}" "${test_include[@]}" -- native/core/tests/support/test.cc "${posix_tests[@]}"
compile xsi g++ "${xsi[@]}" "${core_include[@]}" -Inative/wallet/include -Inative/addon "${node_api[@]}" "${addon_warnings[@]}" -- "${addon[@]}"

msvc=(-DNOMINMAX -DWIN32_LEAN_AND_MEAN)
prefix msvc "$mingw" "" -- "${msvc[@]}"
msvc+=(-Inative/core/tests/portability/msvc -include "$log/msvc/prefix.h")
compile msvc-windows.h "$mingw" "${msvc[@]}" "${core_include[@]}" "${core_warnings[@]}" -- "${shared[@]}" "${win32[@]}"
compile msvc-windows.h "$mingw" "${msvc[@]}" "${wallet_include[@]}" "${core_warnings[@]}" -- "${wallet[@]}"
compile msvc-windows.h "$mingw" "${msvc[@]}" "${test_include[@]}" -- "${win32_suite[@]}" "${win32_tests[@]}"
compile msvc-windows.h "$mingw" "${msvc[@]}" "${core_include[@]}" -Inative/wallet/include -Inative/addon "${node_api[@]}" "${addon_warnings[@]}" -- "${addon[@]}"

if ((failed > 0)); then
  echo "test-portability: $failed of $count compiles failed (XSI/POSIX headers as on macOS and musl; MSVC's windows.h macros; warnings as errors)" >&2
  exit 1
fi
echo "test-portability: $count compiles passed (XSI/POSIX headers as on macOS and musl; MSVC's windows.h macros; warnings as errors)"
