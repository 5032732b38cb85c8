#include "strongroom/page_size.h"

#include <cstdlib>
#include <string>

#include "os_pages.h"
#include "strongroom/log.h"

namespace strongroom {

bool is_power_of_two(std::size_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

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

std::size_t os_page_size() {
  // Function-local static: computed once, thread-safe since C++11.
  static const std::size_t cached = [] {
    long reported = os::reported_page_size();
    bool anomaly = false;
    std::size_t size = normalize_page_size(reported, &anomaly);
    if (anomaly) {
      log_message(LogLevel::Warn, reported <= 0 ? "the OS did not report a page size; assuming " + std::to_string(size)
                                                : "the OS reported a page size of " + std::to_string(reported) +
                                                      " bytes, not a power of two; using " + std::to_string(size));
    } else {
      log_message(LogLevel::Trace, "page size " + std::to_string(size));
    }
    return size;
  }();
  return cached;
}

std::size_t simulated_page_size(const char* value, std::size_t os_page, std::string* refusal) {
  refusal->clear();
  if (value == nullptr || *value == '\0') return 0;
  const std::string text(value);
  std::size_t size = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || size > kMaxSimulatedPageSize) {
      *refusal = "is not a page size in bytes";
      return 0;
    }
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  if (!is_power_of_two(size)) {
    *refusal = "is not a power of two";
  } else if (size < os_page) {
    // Smaller pages than the OS's cannot be protected or locked one by one.
    *refusal = "is smaller than the OS page size of " + std::to_string(os_page) + " bytes";
  } else if (size % os_page != 0) {
    *refusal = "is not a multiple of the OS page size of " + std::to_string(os_page) + " bytes";
  } else if (size > kMaxSimulatedPageSize) {
    *refusal = "is above " + std::to_string(kMaxSimulatedPageSize) + " bytes";
  }
  return refusal->empty() ? size : 0;
}

std::size_t page_size() {
  static const std::size_t cached = [] {
    const std::size_t os_page = os_page_size();
    const char* value = std::getenv(kSimulatedPageSizeVariable);
    std::string refusal;
    const std::size_t simulated = simulated_page_size(value, os_page, &refusal);
    if (simulated != 0) {
      log_message(LogLevel::Warn, std::string(kSimulatedPageSizeVariable) + ": simulating " +
                                      std::to_string(simulated) + "-byte pages on an OS with " +
                                      std::to_string(os_page) + "-byte pages (for tests only)");
      return simulated;
    }
    if (!refusal.empty()) {
      // A typo must not let a simulated run pass silently on real pages.
      log_message(LogLevel::Error, std::string(kSimulatedPageSizeVariable) + "=\"" + value + "\" " + refusal +
                                       "; ignored, using the OS page size of " + std::to_string(os_page) + " bytes");
    }
    return os_page;
  }();
  return cached;
}

}  // namespace strongroom
