// Where a kernel-copy scope's bytes live while the callback runs: a locked,
// dump- and fork-excluded, guarded buffer of the calling thread, wiped when
// the scope ends. One per nesting depth, kept for the thread's lifetime
// (small ones) so that a scope makes no system call beyond the copy itself.
// Internal to the core.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {

class ScratchLease {
 public:
  // Errors: LockFailed when the buffer cannot be locked under
  // LockPolicy::Require (best effort logs and goes on), OsError.
  static Result<ScratchLease> acquire(std::size_t size, LockPolicy policy);
  ScratchLease(ScratchLease&& other) noexcept;
  ScratchLease& operator=(ScratchLease&&) = delete;
  ScratchLease(const ScratchLease&) = delete;
  ~ScratchLease();  // wipes the leased bytes
  unsigned char* bytes() const { return bytes_; }

 private:
  ScratchLease(unsigned char* bytes, std::size_t size) : bytes_(bytes), size_(size) {}
  unsigned char* bytes_ = nullptr;
  std::size_t size_ = 0;
};

// Maps and locks this thread's first scratch buffer now, so that it is
// charged to the lock budget before a pool sizes its first arena to it.
Status reserve_scratch(LockPolicy policy);

}  // namespace strongroom
