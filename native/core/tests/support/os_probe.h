// Test-only questions to the OS that the core itself does not need.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace strongroom_test {

// The protection the OS reports for the page at `addr` as "rwx" letters
// ("---", "r--", "rw-", "--x", "r-x", "rwx"), from /proc/self/maps, VirtualQuery or
// mach_vm_region_recurse; "?" where it cannot be read.
std::string os_protection(const void* addr);

// Whether this process runs under wine (whose QueryWorkingSetEx lies).
bool running_under_wine();

// This process's mappings (lines in /proc/self/maps), or -1 where the OS
// does not list them: a leak or a per-allocation mmap adds some.
int mapping_count();

// Whether the CPU and kernel offer memory protection keys to this process:
// the `ospke` flag in /proc/cpuinfo (x86-64 Linux). False elsewhere, where
// the pool's pkey sealing cannot be required.
bool cpu_has_protection_keys();

// The protection key the kernel shows for the page at `addr` in
// /proc/self/smaps ("ProtectionKey: N"), or -1 where there is none (no keys
// on this CPU or OS).
int protection_key_of(const void* addr);
// Test-only, behind the pool's back: lets this thread read and write pages
// tagged with `key` (open) or denies it again (closed) with pkey_set. False
// where there are no keys.
bool set_key_rights_for_this_thread(int key, bool open);

// Test-only, behind the pool's back: retags [addr, addr + len) with `key`
// (pkey_mprotect, read-write page tables). False where there are no keys.
bool tag_pages_with_key(void* addr, std::size_t len, int key);

// The system calls `measured` makes, counted by the kernel. `prepare` and
// `measured` run in a forked child, `measured` under a seccomp filter that
// traps every system call; the child then reports and exits. The calls a
// sealing method makes in a scope (mprotect, pread64, pwrite64, pwritev) and
// the CSPRNG's (getrandom) are counted and then run (x86-64 and arm64); every other call is counted and
// skipped, failing with ENOSYS. Linux only:
// elsewhere `counted` is false and `reason` says why.
struct SystemCallCount {
  bool counted = false;
  int calls = 0;
  std::string numbers;         // the first few system call numbers, for the failure message
  std::vector<long> distinct;  // every number seen, ascending
  std::string reason;
};
SystemCallCount count_system_calls(void (*prepare)(), void (*measured)());

}  // namespace strongroom_test

namespace strongroom_test {

// What each platform promises, so one test file states every OS's truth.
#if defined(_WIN32)
constexpr bool kWindows = true, kLinux = false, kDarwin = false;
#elif defined(__linux__)
constexpr bool kWindows = false, kLinux = true, kDarwin = false;
#elif defined(__APPLE__)
constexpr bool kWindows = false, kLinux = false, kDarwin = true;
#else
constexpr bool kWindows = false, kLinux = false, kDarwin = false;
#endif

}  // namespace strongroom_test
