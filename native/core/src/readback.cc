// Platform-independent half of the OS read-back.
#include "strongroom/readback.h"

#include <cstring>

namespace strongroom {

const char* fact_name(Fact fact) {
  switch (fact) {
    case Fact::Yes:
      return "yes";
    case Fact::No:
      return "no";
    case Fact::Unknown:
      return "unknown";
  }
  return "unknown";
}

VmFlags parse_vmflags(const char* text) {
  VmFlags flags;
  // Flags are two-letter words separated by spaces: "rd wr mr mw me lo ac dd".
  const char* p = text;
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t') ++p;
    const char* start = p;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') ++p;
    std::size_t len = static_cast<std::size_t>(p - start);
    if (len == 2) {
      if (std::strncmp(start, "lo", 2) == 0) flags.locked = true;
      if (std::strncmp(start, "dd", 2) == 0) flags.dont_dump = true;
      if (std::strncmp(start, "dc", 2) == 0) flags.dont_copy = true;
      if (std::strncmp(start, "wf", 2) == 0) flags.wipe_on_fork = true;
    }
    if (*p == '\n') break;
  }
  return flags;
}

}  // namespace strongroom
