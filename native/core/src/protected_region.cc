#include "strongroom/protected_region.h"

#include <cstring>
#include <new>
#include <string>

#include "canary.h"
#include "os_pages.h"
#include "page_gate.h"
#include "os_sealing.h"
#include "scratch.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/wipe.h"

namespace strongroom {

const Canary& region_canary() {
  static const Canary canary(kCanarySize, "~!GUARD_CANARY!~", "the canary",
                             "the canary after the secret was overwritten: possible buffer overflow");
  return canary;
}

namespace {

// Gives back the pages of a region that failed half-way through create().
// Nothing secret was written to them yet.
void abandon(LockedPageAllocator& pages, const GuardedAllocation& memory, const SecureAttributes& secure) {
  if (secure.locked) (void)pages.unlock(memory.data, memory.data_size);
  if (secure.dump_excluded) pages.forget_crash_dump_exclusion(memory.data);
  (void)pages.free_guarded(memory);
}

}  // namespace

Result<std::unique_ptr<ProtectedRegion>> ProtectedRegion::create(std::size_t size, const RegionOptions& options) {
  return create(size, options, os_locked_page_allocator());
}

Result<std::unique_ptr<ProtectedRegion>> ProtectedRegion::create(std::size_t size, const RegionOptions& options,
                                                                 LockedPageAllocator& pages) {
  if (size == 0 || size > options.max_size) {
    return make_error(ErrorCode::InvalidSize, "secret size must be 1.." + std::to_string(options.max_size) +
                                                  " bytes, got " + std::to_string(size));
  }
  if (options.lock_policy != LockPolicy::Require && options.lock_policy != LockPolicy::BestEffort) {
    return make_error(ErrorCode::InvalidArgument, "unknown lock policy");
  }
  if (size > static_cast<std::size_t>(-1) - kCanarySize) {
    return make_error(ErrorCode::InvalidSize, "size overflows");
  }
  const Canary& canary = region_canary();
  (void)canary.bytes();  // drawn before any page is mapped
  if (options.sealing == SealingPreference::Auto || options.sealing == SealingPreference::KernelCopy) {
    Result<SealingChoice> early = choose_sealing(options.sealing);
    if (!early) return early.error();
    if (early.value().sealing == Sealing::KernelCopy) {
      return create_for_kernel_copy(size, options, early.value().reason, pages);
    }
  }

  Result<GuardedAllocation> mapped = pages.allocate_guarded(size + kCanarySize, Protection::ReadWrite);
  if (!mapped) return mapped.error();
  GuardedAllocation memory = mapped.value();

  SecureAttributes secure = pages.make_secure(memory.data, memory.data_size);
  if (!secure.locked && options.lock_policy == LockPolicy::Require) {
    abandon(pages, memory, secure);  // fail closed
    Error error = secure.lock_error;
    error.code = ErrorCode::LockFailed;
    return error;
  }

  canary.place(memory.data + memory.data_size - size - kCanarySize);

  // Seal: a protection key where the platform has one (and no-access at rest
  // is possible at all), else mprotect; Windows rests read-only (see top).
  Result<SealingChoice> choice = choose_sealing(options.sealing);
  if (!choice) {
    abandon(pages, memory, secure);
    return choice.error();
  }
  Sealing sealing = choice.value().sealing;
  int pkey = choice.value().pkey;
  std::string sealing_reason = choice.value().reason;
  Status sealed = PageGate(sealing, pkey, pages).seal_at_rest(memory.data, memory.data_size);
  if (!sealed && sealing == Sealing::Pkey) {
    if (options.sealing == SealingPreference::Pkey) {
      abandon(pages, memory, secure);
      return make_error(ErrorCode::Unsupported, "pkey_mprotect failed");
    }
    sealing = Sealing::Mprotect;
    pkey = -1;
    sealing_reason = "pkey_mprotect failed";
    sealed = PageGate(sealing, pkey, pages).seal_at_rest(memory.data, memory.data_size);
  }
  if (!sealed) {
    abandon(pages, memory, secure);
    return sealed.error();
  }

  std::unique_ptr<ProtectedRegion> region(new (std::nothrow) ProtectedRegion(memory, size, pages));
  if (!region) {
    if (sealing == Sealing::KernelCopy) os::kernel_copy_unregister(memory.data);
    abandon(pages, memory, secure);
    return make_error(ErrorCode::OsError, "out of memory for the region's bookkeeping");
  }
  region->sealing_ = sealing;
  region->lock_policy_ = options.lock_policy;
  region->pkey_ = pkey;
  region->sealing_reason_ = std::move(sealing_reason);
  region->locked_ = secure.locked;
  region->dump_excluded_ = secure.dump_excluded;
  region->fork_excluded_ = secure.fork_excluded;
  return region;
}

ProtectedRegion::~ProtectedRegion() {
  // Wipe everything (secret and canary) before the pages can leave RAM.
  if (sealing_ == Sealing::KernelCopy) {
    // Never written: the pages were never even faulted in, nothing to wipe.
    Status wiped = untouched_ ? Status() : gate().wipe(memory_.data, memory_.data_size);
    if (!wiped) {
      log_message(LogLevel::Error,
                  "could not wipe a region through the kernel; unmapping unwiped: " + wiped.error().message);
    }
    os::kernel_copy_unregister(memory_.data);
    // Wiped: munmap releases the lock with the pages, no munlock needed.
    if (dump_excluded_) pages_->forget_crash_dump_exclusion(memory_.data);
    Status freed = pages_->free_guarded(memory_);
    if (!freed) log_message(LogLevel::Error, "could not unmap a region: " + freed.error().message);
    return;
  }
  // Opened read-write and left so under mprotect: the pages are unmapped next.
  const PageGate gate = this->gate();
  Status writable = gate.open(memory_.data, memory_.data_size, Protection::ReadWrite);
  if (writable) {
    secure_wipe(memory_.data, memory_.data_size);
    if (sealing_ == Sealing::Pkey) (void)gate.close(memory_.data, memory_.data_size, Protection::ReadWrite);
  } else {
    log_message(LogLevel::Error, "could not open a region to wipe it; unmapping unwiped: " + writable.error().message);
  }
  if (locked_) (void)pages_->unlock(memory_.data, memory_.data_size);
  if (dump_excluded_) pages_->forget_crash_dump_exclusion(memory_.data);
  Status freed = pages_->free_guarded(memory_);
  if (!freed) log_message(LogLevel::Error, "could not unmap a region: " + freed.error().message);
}

// Kernel copy never opens the pages, so they are mapped no-access from the
// start and never change: one mmap, a lock charged now and applied as the
// first copy faults each page in, dump and fork exclusion. The canary goes in
// with the first write (untouched_ until then). Four system calls where the
// other methods need six.
Result<std::unique_ptr<ProtectedRegion>> ProtectedRegion::create_for_kernel_copy(std::size_t size,
                                                                                 const RegionOptions& options,
                                                                                 std::string reason,
                                                                                 LockedPageAllocator& pages) {
  Result<GuardedAllocation> mapped = pages.allocate_guarded(size + kCanarySize, Protection::NoAccess);
  if (!mapped) return mapped.error();
  GuardedAllocation memory = mapped.value();
  Status locked = os::kernel_copy_lock_on_fault(memory.data, memory.data_size);
  if (!locked && options.lock_policy == LockPolicy::Require) {
    (void)pages.free_guarded(memory);  // fail closed; nothing was written
    Error error = locked.error();
    error.code = ErrorCode::LockFailed;
    return error;
  }
  if (!locked) {
    log_message(LogLevel::Warn, "pages not locked, they may be swapped out: " + locked.error().message);
  }
  std::unique_ptr<ProtectedRegion> region(new (std::nothrow) ProtectedRegion(memory, size, pages));
  if (!region) {
    (void)pages.free_guarded(memory);
    return make_error(ErrorCode::OsError, "out of memory for the region's bookkeeping");
  }
  region->dump_excluded_ = pages.exclude_from_crash_dumps(memory.data, memory.data_size);
  region->fork_excluded_ = pages.exclude_from_fork(memory.data, memory.data_size);
  os::kernel_copy_register(memory.data, memory.data_size);
  region->sealing_ = Sealing::KernelCopy;
  region->sealing_reason_ = std::move(reason);
  region->lock_policy_ = options.lock_policy;
  region->locked_ = locked.ok();
  return region;
}

Protection ProtectedRegion::at_rest_protection() {
  return os::at_rest_protection();
}

PageGate ProtectedRegion::gate() const {
  return PageGate(sealing_, pkey_, *pages_);
}

Status ProtectedRegion::open(Protection protection) {
  // Kernel copy: the pages never open, only the count moves, for sealed().
  // Pkey: every scope opens the key for its own thread.
  // Mprotect: nested scopes keep the widest protection until the outermost
  // one ends.
  const bool per_scope = sealing_ == Sealing::KernelCopy || sealing_ == Sealing::Pkey;
  if (!per_scope && open_scopes_ > 0 && (open_protection_ == Protection::ReadWrite || protection == open_protection_)) {
    ++open_scopes_;
    return Status();
  }
  Status opened = gate().open(memory_.data, memory_.data_size, protection);
  if (!opened) return opened;
  open_protection_ = protection;
  ++open_scopes_;
  return Status();
}

Status ProtectedRegion::seal(Protection opened) {
  if (open_scopes_ == 0) return Status();
  const bool per_scope = sealing_ == Sealing::KernelCopy || sealing_ == Sealing::Pkey;
  if (--open_scopes_ > 0 && !per_scope) return Status();
  Status sealed = gate().close(memory_.data, memory_.data_size, opened);
  if (!sealed) {
    ++open_scopes_;  // still open: report it honestly through sealed()
    return sealed;
  }
  open_protection_ = Protection::NoAccess;
  return Status();
}

bool ProtectedRegion::canary_matches() const {
  return region_canary().matches(canary_address());
}

Error ProtectedRegion::canary_corrupted() {
  return region_canary().corrupted();
}

bool ProtectedRegion::canary_intact() {
  if (sealing_ == Sealing::KernelCopy && untouched_) return true;  // placed by the first write
  if (sealing_ == Sealing::KernelCopy) {
    unsigned char canary[kCanarySize];
    return gate().read(canary_address(), canary, kCanarySize).ok() && region_canary().matches(canary);
  }
  if (!open(Protection::ReadOnly)) return false;
  bool intact = canary_matches();
  (void)seal(Protection::ReadOnly);
  return intact;
}

Fact ProtectedRegion::sealed_verified() const {
  return gate().sealed_verified(memory_.data, memory_.data_size);
}

RegionInfo ProtectedRegion::inspect() const {
  RegionInfo info;
  info.pages = query_range(memory_.data, memory_.data_size);
  const std::size_t page = page_size();
  const Fact front = memory_.guard_pages_before > 0 ? query_no_access(memory_.base, page) : Fact::No;
  const Fact back = memory_.guard_pages_after > 0 ? query_no_access(memory_.data + memory_.data_size, page) : Fact::No;
  info.guard_pages = (front == Fact::No || back == Fact::No)     ? Fact::No
                     : (front == Fact::Yes && back == Fact::Yes) ? Fact::Yes
                                                                 : Fact::Unknown;
  info.sealed = sealed_verified();
  info.mapped_size = memory_.total_size;
  return info;
}

// Kernel copy: the pages stay no-access; fn gets a copy in this thread's
// locked scratch buffer, which is written back after a write scope and wiped
// when the scope ends, also when fn throws. The copy keeps the layout,
// canary then secret, and the lease ends against the scratch buffer's
// trailing guard page: a write past the copy faults as it would in place.
Status ProtectedRegion::scoped_by_copy(bool write, Callback fn, void* context) {
  Result<ScratchLease> leased = ScratchLease::acquire(kCanarySize + size_, lock_policy_);
  if (!leased) return leased.error();
  ScratchLease lease = std::move(leased.value());
  unsigned char* copy = lease.bytes();
  unsigned char* secret = copy + kCanarySize;
  if (untouched_) {
    // Nothing has been copied in or out since create(): the pages hold zeros
    // and the canary, so a first write (generate, import) is one copy.
    region_canary().place(copy);
    std::memset(secret, 0, size_);
  } else {
    Status read = os::kernel_copy_read(canary_address(), copy, kCanarySize + size_);
    if (!read) return read;
  }
  if (!region_canary().matches(copy)) return canary_corrupted();
  ++open_scopes_;
  struct Count {
    int& scopes;
    ~Count() { --scopes; }
  } count{open_scopes_};
  fn(secret, size_, context);
  if (!write) return Status();
  // The canary goes back too: an underflow by the callback corrupts it, as it
  // would in place, and the next access reports it.
  Status stored = os::kernel_copy_write(canary_address(), copy, kCanarySize + size_);
  if (stored) untouched_ = false;
  return stored;
}

Status ProtectedRegion::wipe() {
  return with_write([](std::uint8_t* bytes, std::size_t size) { secure_wipe(bytes, size); });
}

Status ProtectedRegion::fill_random() {
  Status filled;
  Status scoped =
      with_write([&filled](std::uint8_t* bytes, std::size_t size) { filled = strongroom::fill_random(bytes, size); });
  if (!scoped) return scoped;
  return filled;
}

ProtectedRegion::Scope::~Scope() {
  if (closed_) return;
  Status sealed = close();
  if (!sealed) {
    log_message(LogLevel::Error, "could not re-seal a region after a failed scope: " + sealed.error().message);
  }
}

Status ProtectedRegion::Scope::close() {
  if (closed_) return Status();
  closed_ = true;
  return region_.seal(opened_);
}

}  // namespace strongroom
