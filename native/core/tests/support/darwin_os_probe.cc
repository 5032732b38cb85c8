// No /proc on macOS; the tests that need the protection read-back skip.
#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void*) { return "?"; }
bool running_under_wine() { return false; }

int mapping_count() { return -1; }

}  // namespace strongroom_test
