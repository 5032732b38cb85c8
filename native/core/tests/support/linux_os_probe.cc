#include <cinttypes>
#include <cstdio>

#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void* addr) {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return "?";
  const std::uintptr_t target = reinterpret_cast<std::uintptr_t>(addr);
  char line[512];
  std::string result = "?";
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[5] = {0};
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, perms) == 3 &&
        target >= lo && target < hi) {
      result.assign(perms, 3);
      break;
    }
  }
  std::fclose(maps);
  return result;
}

bool running_under_wine() { return false; }

int mapping_count() {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return -1;
  int count = 0;
  for (int c; (c = std::fgetc(maps)) != EOF;) count += c == '\n';
  std::fclose(maps);
  return count;
}

}  // namespace strongroom_test
