// The probes only Linux can answer (/proc/self/maps, cpuinfo's ospke,
// seccomp): elsewhere they say so, and the tests that need them skip with
// that reason. Shared by the macOS and Windows builds.
#include "os_probe.h"

namespace strongroom_test {

int mapping_count() {
  return -1;
}

bool cpu_has_protection_keys() {
  return false;
}

int protection_key_of(const void*) {
  return -1;
}

bool set_key_rights_for_this_thread(int, bool) {
  return false;
}

bool tag_pages_with_key(void*, std::size_t, int) {
  return false;
}

SystemCallCount count_system_calls(void (*)(), void (*)()) {
  SystemCallCount count;
  count.reason = "counting system calls needs Linux seccomp filters";
  return count;
}

}  // namespace strongroom_test
