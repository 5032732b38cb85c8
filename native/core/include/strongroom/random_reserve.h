// A reserve of CSPRNG bytes in locked, sealed memory, refilled in one large
// OS call (getrandom, arc4random_buf, BCryptGenRandom) and wiped as it is
// drawn, so that a secret's random bytes need no system call of their own.
//
//   [guard page][tag | random bytes ... | drawn (zeros)][guard page]
//
// - The data page is locked, excluded from core dumps and sealed like a
//   secret's pages (a protection key, kernel copy or mprotect): the bytes in
//   it are the next secrets.
// - Forked children never see it: MADV_WIPEONFORK on Linux gives the child
//   zeros (the tag then reads 0 and the child refills from the OS); macOS
//   leaves the page out of the child (minherit VM_INHERIT_NONE) and the
//   reserve notices the fork (pthread_atfork) before touching it; Windows has
//   no fork.
// - Every byte drawn is wiped in the reserve before draw() returns.
// - Under kernel copy the page is never opened: bytes move through the
//   kernel, which costs one read and one wipe call per draw. That is more than
//   the one getrandom it replaces, so a pool draws from a reserve only where
//   opening its pages costs no system call (a protection key); see
//   reserve_pays_off().
//
// Not thread-safe: one per thread (a Pool owns one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "strongroom/error.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/memory_types.h"
#include "strongroom/sealing.h"

namespace strongroom {

// Draws larger than this go straight to the OS: a reserve page holds a few of
// them at most, and one call per large secret is already amortized.
constexpr std::size_t kMaxReserveDraw = 256;

// Whether drawing from a reserve sealed with `sealing` is cheaper than one
// CSPRNG call per secret: only where its pages open without a system call.
bool reserve_pays_off(Sealing sealing);

class RandomReserve {
 public:
  // One data page (page_size()), sealed with `sealing` (and `key` under pkey,
  // as choose_sealing() gave them). Errors: LockFailed when the page cannot be
  // locked under LockPolicy::Require, OsError, Unsupported (kernel copy or a
  // key that this process cannot use).
  static Result<std::unique_ptr<RandomReserve>> create(Sealing sealing, int key, LockPolicy policy,
                                                       LockedPageAllocator& pages);
  static Result<std::unique_ptr<RandomReserve>> create(Sealing sealing, int key, LockPolicy policy);
  ~RandomReserve();  // wipes, unlocks and unmaps
  RandomReserve(const RandomReserve&) = delete;
  RandomReserve& operator=(const RandomReserve&) = delete;

  // Fills [out, out + len) with fresh random bytes and wipes them in the
  // reserve. `out` must be writable by the calling thread: under kernel copy
  // ordinary (scratch) memory, under pkey it may be a pkey page inside an open
  // write scope. On failure `out` is wiped.
  Status draw(void* out, std::size_t len);

  std::size_t capacity() const;  // random bytes per refill
  std::size_t refills() const { return refills_; }
  bool locked() const { return locked_; }
  bool dump_excluded() const { return dump_excluded_; }
  // The OS took the fork advice (MADV_WIPEONFORK / minherit).
  bool fork_wiped() const { return fork_wiped_; }
  Sealing sealing() const { return sealing_; }

  // For tests that must see what is in the sealed page: the whole data page
  // (tag included) copied into `into` (page_size() bytes) through the gate,
  // and the mapping itself.
  Status copy_for_testing(unsigned char* into) const;
  const GuardedAllocation& memory() const { return memory_; }

 private:
  RandomReserve(Sealing sealing, int key, LockPolicy policy, LockedPageAllocator& pages)
      : sealing_(sealing), key_(key), policy_(policy), pages_(&pages) {}
  Status refill();
  Status draw_in_place(unsigned char* out, std::size_t len);
  Status draw_by_copy(unsigned char* out, std::size_t len);
  void release();

  Sealing sealing_;
  int key_;
  LockPolicy policy_;
  LockedPageAllocator* pages_;
  GuardedAllocation memory_;
  bool locked_ = false;
  bool dump_excluded_ = false;
  bool fork_wiped_ = false;
  std::uint64_t fork_generation_ = 0;
  std::size_t next_ = 0;  // offset of the first undrawn byte after the tag
  std::size_t refills_ = 0;
};

}  // namespace strongroom
