#include "strongroom/page_size.h"

#include <string>

#include "os.h"
#include "strongroom/log.h"

namespace strongroom {

bool is_power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::size_t align_up(std::size_t n, std::size_t alignment) {
  if (n > static_cast<std::size_t>(-1) - (alignment - 1)) return 0;
  return (n + alignment - 1) & ~(alignment - 1);
}

std::size_t normalize_page_size(long reported, bool* anomaly) {
  *anomaly = false;
  if (reported <= 0) {
    *anomaly = true;
    return kFallbackPageSize;
  }
  std::size_t size = static_cast<std::size_t>(reported);
  if (is_power_of_two(size)) return size;
  *anomaly = true;
  std::size_t rounded = 1;
  while (rounded < size) rounded <<= 1;
  return rounded;
}

std::size_t page_size() {
  // Function-local static: computed once, thread-safe since C++11.
  static const std::size_t cached = [] {
    long reported = os::reported_page_size();
    bool anomaly = false;
    std::size_t size = normalize_page_size(reported, &anomaly);
    if (anomaly) {
      log_message(LogLevel::Warn,
                  reported <= 0
                      ? "the OS did not report a page size; assuming " + std::to_string(size)
                      : "the OS reported a page size of " + std::to_string(reported) +
                            " bytes, not a power of two; using " + std::to_string(size));
    } else {
      log_message(LogLevel::Trace, "page size " + std::to_string(size));
    }
    return size;
  }();
  return cached;
}

}  // namespace strongroom
