#include <cstring>
#include <string>
#include <type_traits>

#include "strongroom/error.h"

namespace strongroom {

std::string os_error_text(int os_error) {
  char buffer[256] = {0};
  // GNU strerror_r returns a char*; XSI returns int. Handle both.
  auto result = strerror_r(os_error, buffer, sizeof buffer);
  if constexpr (std::is_same_v<decltype(result), char*>) {
    return std::string(result) + ", errno " + std::to_string(os_error);
  } else {
    return std::string(result == 0 ? buffer : "unknown error") + ", errno " + std::to_string(os_error);
  }
}

}  // namespace strongroom
