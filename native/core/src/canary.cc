#include "canary.h"

#include <cstring>
#include <string>

#include "strongroom/log.h"
#include "strongroom/wipe.h"

namespace strongroom {

Canary::Canary(std::size_t size, const char* fallback, const char* who, const char* corrupted_message)
    : size_(size), fallback_(fallback), who_(who), corrupted_message_(corrupted_message) {}

const unsigned char* Canary::bytes() const {
  // One draw per process (as libsodium does): an attacker who can overflow a
  // buffer cannot forge the canary without first reading it.
  std::call_once(once_, [this] {
    if (!fill_random(bytes_, size_)) {
      log_message(LogLevel::Warn, std::string("no CSPRNG for ") + who_ + "; using a fixed pattern");
      std::memcpy(bytes_, fallback_, size_);
    }
  });
  return bytes_;
}

bool Canary::matches(const unsigned char* after_secret) const {
  return std::memcmp(after_secret, bytes(), size_) == 0;
}

void Canary::place(unsigned char* after_secret) const {
  std::memcpy(after_secret, bytes(), size_);
}

Error Canary::corrupted() const {
  return make_error(ErrorCode::CanaryCorrupted, corrupted_message_);
}

}  // namespace strongroom
