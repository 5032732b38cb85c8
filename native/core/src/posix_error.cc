#include <cstring>
#include <string>

#include "strongroom/error.h"

namespace strongroom {

namespace {

// strerror_r has two signatures, chosen by the C library's feature macros:
// GNU (glibc with _GNU_SOURCE) returns the message, which may or may not be in
// the buffer; XSI (macOS, musl, glibc without _GNU_SOURCE) returns 0 or an
// error number and writes the message into the buffer. Overload resolution on
// the return type picks the reading that matches; the other overload is
// never called (and, being a plain function, still compiles on both).
[[maybe_unused]] const char* strerror_r_message(char* gnu_result, const char* /*buffer*/) {
  return gnu_result;
}
[[maybe_unused]] const char* strerror_r_message(int xsi_result, const char* buffer) {
  return xsi_result == 0 ? buffer : "unknown error";
}

}  // namespace

std::string os_error_text(int os_error) {
  char buffer[256] = {0};
  const char* message = strerror_r_message(strerror_r(os_error, buffer, sizeof buffer), buffer);
  return std::string(message) + ", errno " + std::to_string(os_error);
}

}  // namespace strongroom
