// A sealed, guarded region holding one secret (after libsodium's
// sodium_malloc and siegel's ProtectedRegion).
//
//   [guard page][data pages: slack | canary | secret bytes][guard page]
//
// Guard pages are always no-access. The secret ends on the last byte before
// the trailing guard page, so an overflow of even one byte faults at once (as
// sodium_malloc does; the secret's address is therefore only byte-aligned for
// sizes that are not a multiple of the alignment). The canary guards the
// front: an underflow into it is reported at the next access, and a longer
// one reaches the front guard page.
// The data pages are locked, excluded from core dumps and forked children,
// and sealed (no access) at rest; with_read / with_write open them for one
// scope and seal them again afterwards, even when the scope fails or throws.
// On Windows, no-access would unlock the pages (STATUS_WAS_UNLOCKED), so they
// rest read-only there and sealed() says false: see at_rest_protection().
// Where the CPU and kernel have memory protection keys (Linux x86-64 with
// PKU), the pages are tagged with the process's key instead and a scope opens
// them for the calling thread only (pkey_set): other threads stay locked out
// while one thread reads, and no system call is needed per scope.
// Without keys, on Linux, the pages are never opened at all where the kernel
// allows it (kernel copy, see sealing.h): a scope gets a copy in a locked
// scratch buffer, copied in and out through /proc/self/mem. Else mprotect.
// A random per-process canary right before the secret is checked on every
// read and before every write. Destruction wipes before unlocking and
// unmapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "strongroom/error.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/platform_memory.h"
#include "strongroom/readback.h"
#include "strongroom/sealing.h"

namespace strongroom {

class PageGate;  // src/page_gate.h: opens and seals the data pages

constexpr std::size_t kCanarySize = 16;
constexpr std::size_t kDefaultMaxSecretSize = 1024 * 1024;  // 1 MiB

struct RegionOptions {
  std::size_t max_size = kDefaultMaxSecretSize;
  LockPolicy lock_policy = LockPolicy::Require;
  SealingPreference sealing = SealingPreference::Auto;
};

// What the OS reports about a region right now, composed in one place so a
// binding only converts it: page flags of the data pages (smaps /
// QueryWorkingSetEx / mach_vm_region_recurse), the guard pages' and the
// seal's protection as the page tables (or, under pkey, PKRU) show them.
struct RegionInfo {
  RangeFacts pages;                  // the data pages: locked, out of dumps and forks
  Fact guard_pages = Fact::Unknown;  // both guard pages no-access; No if either is missing or open
  Fact sealed = Fact::Unknown;       // sealed_verified()
  std::size_t mapped_size = 0;       // data pages and guard pages
};

class ProtectedRegion {
 public:
  // Errors: InvalidSize (0 or above options.max_size), LockFailed (mlock /
  // VirtualLock refused under LockPolicy::Require), OsError (mmap, mprotect).
  static Result<std::unique_ptr<ProtectedRegion>> create(std::size_t size, const RegionOptions& options = {});
  // The same, with pages from `pages` instead of the OS allocator
  // (os_locked_page_allocator()); `pages` must outlive the region. Sealing
  // still comes from the OS: give a fake allocator SealingPreference::Mprotect.
  static Result<std::unique_ptr<ProtectedRegion>> create(std::size_t size, const RegionOptions& options,
                                                         LockedPageAllocator& pages);
  ~ProtectedRegion();
  ProtectedRegion(const ProtectedRegion&) = delete;
  ProtectedRegion& operator=(const ProtectedRegion&) = delete;

  // Calls fn(const uint8_t* bytes, size_t size) with the pages read-only,
  // after checking the canary (CanaryCorrupted: fn is not called).
  template <typename Fn>
  Status with_read(Fn&& fn);
  // Calls fn(uint8_t* bytes, size_t size) with the pages read-write.
  template <typename Fn>
  Status with_write(Fn&& fn);

  // Zeroes the secret bytes; the canary stays, so the region stays usable.
  Status wipe();
  // Writes fresh CSPRNG bytes straight into the region.
  Status fill_random();

  std::size_t size() const { return size_; }
  bool locked() const { return locked_; }
  bool dump_excluded() const { return dump_excluded_; }
  bool fork_excluded() const { return fork_excluded_; }
  // No access right now: no scope is open and the region seals at rest.
  // Under kernel copy the pages never open, not even inside a scope.
  bool sealed() const { return sealing_ == Sealing::KernelCopy || (open_scopes_ == 0 && sealing_ != Sealing::None); }
  Sealing sealing() const { return sealing_; }
  // Why sealing is not a protection key under SealingPreference::Auto ("" otherwise).
  const std::string& sealing_fallback_reason() const { return sealing_reason_; }
  // The seal as the hardware and OS report it for the calling thread: the
  // data pages' protection (mprotect), or this thread's PKRU rights for the
  // key (pkey). Unknown where the OS cannot be asked.
  Fact sealed_verified() const;
  // Asks the OS: slow (reads smaps on Linux), not for hot paths.
  RegionInfo inspect() const;
  // NoAccess on POSIX; ReadOnly on Windows (see the comment at the top).
  static Protection at_rest_protection();
  // Opens the pages read-only for the check, then seals them again.
  bool canary_intact();

  // Where the data pages live, for OS read-back and for tests that must prove
  // the guards and seal work by touching them; the secret's first byte.
  const unsigned char* data_address() const { return memory_.data; }
  const unsigned char* secret_address() const { return memory_.data + memory_.data_size - size_; }
  std::size_t data_pages_size() const { return memory_.data_size; }
  const GuardedAllocation& mapping() const { return memory_; }

 private:
  ProtectedRegion(GuardedAllocation memory, std::size_t size, LockedPageAllocator& pages)
      : memory_(memory), size_(size), pages_(&pages) {}

  // Opens the pages with `protection`, checks the canary, runs fn(bytes, size)
  // and seals again, also when fn throws.
  template <typename Fn>
  Status scoped(Protection protection, Fn&& fn);
  // The shared pkey / kernel copy / mprotect gate for this region's pages.
  PageGate gate() const;
  Status open(Protection protection);
  // Closes one scope opened with `opened` (ReadOnly or ReadWrite).
  Status seal(Protection opened);
  bool canary_matches() const;
  unsigned char* canary_address() const { return memory_.data + memory_.data_size - size_ - kCanarySize; }
  static Error canary_corrupted();
  static Result<std::unique_ptr<ProtectedRegion>> create_for_kernel_copy(std::size_t size, const RegionOptions& options,
                                                                         std::string reason,
                                                                         LockedPageAllocator& pages);
  using Callback = void (*)(std::uint8_t* bytes, std::size_t size, void* context);
  Status scoped_by_copy(bool write, Callback fn, void* context);

  // Re-seals on scope exit, including when fn throws.
  class Scope;

  GuardedAllocation memory_;
  std::size_t size_;
  LockedPageAllocator* pages_;
  bool locked_ = false;
  bool dump_excluded_ = false;
  bool fork_excluded_ = false;
  Sealing sealing_ = Sealing::Mprotect;
  int pkey_ = -1;
  LockPolicy lock_policy_ = LockPolicy::Require;
  bool untouched_ = true;  // kernel copy: nothing written since create()
  std::string sealing_reason_;
  int open_scopes_ = 0;
  Protection open_protection_ = Protection::NoAccess;
};

// Seals the region when the scope ends. close() reports a failed seal; the
// destructor only runs the seal when fn threw, and logs a failure then.
class ProtectedRegion::Scope {
 public:
  Scope(ProtectedRegion& region, Protection opened) : region_(region), opened_(opened) {}
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  Status close();

 private:
  ProtectedRegion& region_;
  Protection opened_;
  bool closed_ = false;
};

template <typename Fn>
Status ProtectedRegion::with_read(Fn&& fn) {
  return scoped(Protection::ReadOnly,
                [&fn](std::uint8_t* bytes, std::size_t size) { fn(static_cast<const std::uint8_t*>(bytes), size); });
}

template <typename Fn>
Status ProtectedRegion::with_write(Fn&& fn) {
  return scoped(Protection::ReadWrite, std::forward<Fn>(fn));
}

template <typename Fn>
Status ProtectedRegion::scoped(Protection protection, Fn&& fn) {
  if (sealing_ == Sealing::KernelCopy) {
    using F = std::remove_reference_t<Fn>;
    return scoped_by_copy(
        protection == Protection::ReadWrite,
        [](std::uint8_t* bytes, std::size_t size, void* context) { (*static_cast<F*>(context))(bytes, size); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }
  Status opened = open(protection);
  if (!opened) return opened;
  Scope scope(*this, protection);
  if (!canary_matches()) {
    Status sealed = scope.close();
    if (!sealed) return sealed;
    return canary_corrupted();
  }
  fn(static_cast<std::uint8_t*>(memory_.data + memory_.data_size - size_), size_);
  return scope.close();
}

}  // namespace strongroom
