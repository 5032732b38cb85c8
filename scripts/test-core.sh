#!/usr/bin/env bash
# Builds the native core natively and runs its ctest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${STRONGROOM_CORE_BUILD:-build/core}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRONGROOM_BUILD_TESTS=ON >/dev/null
# --config / -C matter for multi-config generators (Visual Studio, Xcode).
cmake --build "$build" --parallel --config RelWithDebInfo
(cd "$build" && ctest --output-on-failure -C RelWithDebInfo)
