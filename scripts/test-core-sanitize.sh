#!/usr/bin/env bash
# Builds the native core and the pool's tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (CMake option STRONGROOM_SANITIZE) in a separate
# build tree, and runs the pool's property/fuzz test for
# STRONGROOM_FUZZ_SECONDS (default here: 20) plus the tests whose facts hold
# under the sanitizers.
#
# Left out on purpose: tests that assert the OS locked pages (02, 04-07, 10).
# The sanitizer runtime intercepts mlock/munlock as no-ops, so smaps never
# shows `lo` there; those facts are checked by the plain build
# (scripts/test-core.sh).
#
# ASan must not catch SIGSEGV itself: the guard-page and seal tests expect a
# child to be killed by it (handle_segv=0). Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${STRONGROOM_CORE_SANITIZE_BUILD:-build/core-sanitize}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTRONGROOM_BUILD_TESTS=ON -DSTRONGROOM_SANITIZE=ON >/dev/null
tests=(test_01_page_size test_03_wipe_and_random test_09_hardening test_12_pool_pkey_secretmem test_13_pool_fuzz
  test_17_arena_free_list)
# The wallet layer (native/wallet): vectors, storage and residue, keystores, two threads.
wallet_tests=(test_wallet_01_primitives test_wallet_02_bip39 test_wallet_03_bip32_slip10 test_wallet_04_signing
  test_wallet_05_storage_and_residue test_wallet_06_keystore test_wallet_07_threads)
cmake --build "$build" --parallel --target "${tests[@]}" "${wallet_tests[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0:handle_sigbus=0:detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export STRONGROOM_FUZZ_SECONDS=${STRONGROOM_FUZZ_SECONDS:-20}
(cd "$build" && ctest --output-on-failure --timeout 300 -R '^(core_(01|03|09|12|13|17)_|wallet_)')
