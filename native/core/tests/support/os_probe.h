// Test-only questions to the OS that the core itself does not need.
#pragma once

#include <cstddef>
#include <string>

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

// The system calls `measured` makes, counted by the kernel. `prepare` and
// `measured` run in a forked child, `measured` under a seccomp filter that
// traps every system call; the child then reports and exits. Linux only:
// elsewhere `counted` is false and `reason` says why.
struct SystemCallCount {
  bool counted = false;
  int calls = 0;
  std::string numbers;  // the first few system call numbers, for the failure message
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
