// The random reserve: see random_reserve.h for the contract.
#include "strongroom/random_reserve.h"

#include <cstring>

#include "page_gate.h"
#include "os_sealing.h"
#include "random_os.h"
#include "scratch.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

// The first bytes of a filled page. A page the kernel zeroed for a forked
// child (MADV_WIPEONFORK) has no tag: the child refills before drawing.
constexpr unsigned char kTag[8] = {'S', 'R', 'R', 'E', 'S', 'E', 'R', 'V'};
constexpr std::size_t kTagSize = sizeof(kTag);

}  // namespace

bool reserve_pays_off(Sealing sealing) {
  return sealing == Sealing::Pkey;
}

Result<std::unique_ptr<RandomReserve>> RandomReserve::create(Sealing sealing, int key, LockPolicy policy) {
  return create(sealing, key, policy, os_locked_page_allocator());
}

Result<std::unique_ptr<RandomReserve>> RandomReserve::create(Sealing sealing, int key, LockPolicy policy,
                                                             LockedPageAllocator& pages) {
  std::unique_ptr<RandomReserve> reserve(new RandomReserve(sealing, key, policy, pages));
  Result<GuardedAllocation> mapped = pages.allocate_guarded(page_size(), Protection::ReadWrite);
  if (!mapped) return mapped.error();
  GuardedAllocation memory = mapped.value();
  // Locked and advised while still read-write (a no-access page cannot be
  // populated by mlock), sealed last.
  Status locked = pages.lock(memory.data, memory.data_size);
  if (!locked && policy == LockPolicy::Require) {
    (void)pages.free_guarded(memory);
    Error error = locked.error();
    error.code = ErrorCode::LockFailed;
    return error;
  }
  if (!locked) log_message(LogLevel::Warn, "random reserve not locked: " + locked.error().message);
  const bool dump_excluded = pages.exclude_from_crash_dumps(memory.data, memory.data_size);
  const bool fork_wiped = os::reserve_fork_hygiene(memory.data, memory.data_size);
  const PageGate gate(sealing, key, pages);
  Status sealed = fork_wiped ? gate.seal_at_rest(memory.data, memory.data_size)
                             : Status(make_error(ErrorCode::Unsupported,
                                                 "the OS would not keep the random reserve out of forked children"));
  if (!sealed) {
    if (dump_excluded) pages.forget_crash_dump_exclusion(memory.data);
    if (locked) (void)pages.unlock(memory.data, memory.data_size);
    (void)pages.free_guarded(memory);
    return sealed.error();
  }
  reserve->memory_ = memory;
  reserve->locked_ = locked.ok();
  reserve->dump_excluded_ = dump_excluded;
  reserve->fork_wiped_ = fork_wiped;
  reserve->fork_generation_ = os::fork_generation();
  reserve->next_ = memory.data_size;  // empty: the first draw refills
  return reserve;
}

RandomReserve::~RandomReserve() {
  release();
}

void RandomReserve::release() {
  if (memory_.data == nullptr) return;
  const PageGate gate(sealing_, key_, *pages_);
  if (sealing_ == Sealing::KernelCopy) {
    Status wiped = gate.wipe(memory_.data, memory_.data_size);
    if (!wiped) log_message(LogLevel::Error, "could not wipe the random reserve: " + wiped.error().message);
    os::kernel_copy_unregister(memory_.data);
  } else if (Status opened = gate.open(memory_.data, memory_.data_size, Protection::ReadWrite); opened) {
    secure_wipe(memory_.data, memory_.data_size);
    (void)gate.close(memory_.data, memory_.data_size, Protection::ReadWrite);
  } else {
    log_message(LogLevel::Error, "could not open the random reserve to wipe it: " + opened.error().message);
  }
  if (dump_excluded_) pages_->forget_crash_dump_exclusion(memory_.data);
  if (locked_) (void)pages_->unlock(memory_.data, memory_.data_size);
  (void)pages_->free_guarded(memory_);
  memory_ = GuardedAllocation();
}

std::size_t RandomReserve::capacity() const {
  return memory_.data_size > kTagSize ? memory_.data_size - kTagSize : 0;
}

Status RandomReserve::draw(void* out, std::size_t len) {
  if (len == 0) return Status();
  if (memory_.data != nullptr && os::fork_generation() != fork_generation_) {
    // A forked child where the page could not be zeroed for it: it is not
    // mapped here (minherit VM_INHERIT_NONE). Forget it untouched.
    memory_ = GuardedAllocation();
  }
  auto* bytes = static_cast<unsigned char*>(out);
  if (memory_.data == nullptr || len > kMaxReserveDraw || len > capacity()) return fill_random(bytes, len);
  Status drawn = sealing_ == Sealing::KernelCopy ? draw_by_copy(bytes, len) : draw_in_place(bytes, len);
  if (!drawn) secure_wipe(bytes, len);
  return drawn;
}

// Pkey, mprotect, none: the page opens for this thread (a key: no system
// call), the bytes are copied out and wiped in place, and it seals again.
Status RandomReserve::draw_in_place(unsigned char* out, std::size_t len) {
  const PageGate gate(sealing_, key_, *pages_);
  unsigned char* data = memory_.data;
  Status opened = gate.open(data, memory_.data_size, Protection::ReadWrite);
  if (!opened) return opened;
  Status result;
  if (std::memcmp(data, kTag, kTagSize) != 0) next_ = memory_.data_size;  // never filled, or a forked child's zeros
  if (next_ + len > memory_.data_size) {
    result = fill_random(data + kTagSize, capacity());
    if (result) {
      std::memcpy(data, kTag, kTagSize);
      next_ = kTagSize;
      ++refills_;
    }
  }
  if (result) {
    std::memcpy(out, data + next_, len);
    secure_wipe(data + next_, len);
    next_ += len;
  }
  Status sealed = gate.close(data, memory_.data_size, Protection::ReadWrite);
  return result ? sealed : result;
}

// Kernel copy: the page never opens. A refill is made in this thread's
// locked scratch buffer and copied in whole; a draw is one read and one wipe.
Status RandomReserve::draw_by_copy(unsigned char* out, std::size_t len) {
  unsigned char* data = memory_.data;
  unsigned char tag[kTagSize];
  Status read = os::kernel_copy_read(data, tag, kTagSize);
  if (!read) return read;
  if (std::memcmp(tag, kTag, kTagSize) != 0) next_ = memory_.data_size;
  if (next_ + len > memory_.data_size) {
    Result<ScratchLease> leased = ScratchLease::acquire(memory_.data_size, policy_);
    if (!leased) return leased.error();
    ScratchLease lease = std::move(leased.value());  // wiped when it ends
    Status filled = fill_random(lease.bytes() + kTagSize, capacity());
    if (!filled) return filled;
    std::memcpy(lease.bytes(), kTag, kTagSize);
    Status stored = os::kernel_copy_write(data, lease.bytes(), memory_.data_size);
    if (!stored) return stored;
    next_ = kTagSize;
    ++refills_;
  }
  Status copied = os::kernel_copy_read(data + next_, out, len);
  if (!copied) return copied;
  Status wiped = os::kernel_copy_zero(data + next_, len);
  if (!wiped) return wiped;
  next_ += len;
  return Status();
}

Status RandomReserve::copy_for_testing(unsigned char* into) const {
  if (memory_.data == nullptr) return make_error(ErrorCode::InvalidArgument, "the reserve has no page");
  const PageGate gate(sealing_, key_, *pages_);
  if (sealing_ == Sealing::KernelCopy) return os::kernel_copy_read(memory_.data, into, memory_.data_size);
  Status opened = gate.open(memory_.data, memory_.data_size, Protection::ReadOnly);
  if (!opened) return opened;
  std::memcpy(into, memory_.data, memory_.data_size);
  return gate.close(memory_.data, memory_.data_size, Protection::ReadOnly);
}

}  // namespace strongroom
