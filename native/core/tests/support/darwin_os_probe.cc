// No /proc on macOS; the tests that need the protection read-back skip.
#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void*) { return "?"; }
bool running_under_wine() { return false; }

int mapping_count() { return -1; }

bool cpu_has_protection_keys() { return false; }

SystemCallCount count_system_calls(void (*)(), void (*)()) {
  SystemCallCount count;
  count.reason = "counting system calls needs Linux seccomp filters";
  return count;
}

}  // namespace strongroom_test
