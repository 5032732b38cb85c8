// Test-only questions to the OS that the core itself does not need.
#pragma once

#include <cstddef>
#include <string>

namespace strongroom_test {

// The protection the OS reports for the page at `addr` as "rwx" letters
// ("---", "r--", "rw-", "--x", "r-x", "rwx"), from /proc/self/maps or VirtualQuery.
std::string os_protection(const void* addr);

// Whether this process runs under wine (whose QueryWorkingSetEx lies).
bool running_under_wine();

// This process's mappings (lines in /proc/self/maps), or -1 where the OS
// does not list them: a leak or a per-allocation mmap adds some.
int mapping_count();

}  // namespace strongroom_test

namespace strongroom_test {

// What each platform promises, so one test file states every OS's truth.
#if defined(_WIN32)
constexpr bool kWindows = true, kLinux = false;
#elif defined(__linux__)
constexpr bool kWindows = false, kLinux = true;
#else
constexpr bool kWindows = false, kLinux = false;
#endif

}  // namespace strongroom_test
