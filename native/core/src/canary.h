// The random per-process canary after each secret, shared by regions and
// the pool. Each has its own (different sizes, independent bytes), so a
// region's canary says nothing about a pool's. Internal to the core.
#pragma once

#include <cstddef>
#include <mutex>

#include "strongroom/error.h"

namespace strongroom {

class Canary {
 public:
  static constexpr std::size_t kMaxSize = 16;
  // `fallback` (exactly `size` bytes) is used, with a warning, when there is
  // no CSPRNG: a fixed but non-zero canary still catches accidental overflows.
  Canary(std::size_t size, const char* fallback, const char* who, const char* corrupted_message);
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;

  std::size_t size() const { return size_; }
  // Draws the bytes on first use.
  const unsigned char* bytes() const;
  // Not constant-time on purpose: the canary is compared with itself, an
  // attacker learns nothing they could not read already.
  bool matches(const unsigned char* after_secret) const;
  void place(unsigned char* after_secret) const;
  // CanaryCorrupted, with the caller's sentence.
  Error corrupted() const;

 private:
  std::size_t size_;
  const char* fallback_;
  const char* who_;
  const char* corrupted_message_;
  mutable unsigned char bytes_[kMaxSize] = {};
  mutable std::once_flag once_;
};

// 16 bytes after a region's secret (protected_region.cc), 8 after a pooled
// one (pool.cc).
const Canary& region_canary();
const Canary& pool_canary();

}  // namespace strongroom
