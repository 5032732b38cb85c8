#include "arena_gate.h"

#include <cstdint>

#include "canary.h"
#include "os_pages.h"
#include "os_sealing.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

int rank(Protection protection) {
  switch (protection) {
    case Protection::ReadWrite:
      return 2;
    case Protection::ReadOnly:
      return 1;
    default:
      return 0;
  }
}

std::size_t first_page(std::size_t offset) {
  return offset / page_size();
}
std::size_t last_page(std::size_t offset, std::size_t length) {
  return (offset + length - 1) / page_size();
}

Protection wanted(const PoolArena& arena, std::size_t page) {
  if (arena.page_writers[page] > 0) return Protection::ReadWrite;
  if (arena.page_readers[page] > 0) {
    // Windows rests read-only already; never lower a page below its rest.
    return rank(os::at_rest_protection()) > rank(Protection::ReadOnly) ? os::at_rest_protection()
                                                                       : Protection::ReadOnly;
  }
  return os::at_rest_protection();
}

void count(PoolArena& arena, std::size_t first, std::size_t last, bool write, int delta) {
  auto& counts = write ? arena.page_writers : arena.page_readers;
  for (std::size_t p = first; p <= last; ++p) {
    counts[p] = static_cast<std::uint16_t>(counts[p] + delta);
  }
}

}  // namespace

Status ArenaGate::seal_new(PoolArena& arena) const {
  Status sealed = gate_.seal_at_rest(arena.memory.data, arena.memory.data_size);
  if (!sealed) return sealed;
  const std::size_t pages = arena.memory.data_size / page_size();
  arena.page_readers.assign(pages, 0);
  arena.page_writers.assign(pages, 0);
  // With a key the page tables stay read-write: PKRU seals.
  arena.page_protection.assign(pages,
                               gate_.sealing() == Sealing::Pkey ? Protection::ReadWrite : os::at_rest_protection());
  return Status();
}

void ArenaGate::wipe_arena(PoolArena& arena) const {
  // Free space is already zero; a leftover secret (pool destroyed with live
  // chunks) is not.
  if (gate_.sealing() == Sealing::KernelCopy) {
    Status wiped = gate_.wipe(arena.memory.data, arena.memory.data_size);
    if (!wiped) {
      log_message(LogLevel::Error,
                  "could not wipe an arena through the kernel; unmapping unwiped: " + wiped.error().message);
    }
    os::kernel_copy_unregister(arena.memory.data);
  } else if (Status opened = open(arena, 0, arena.memory.data_size, true); opened) {
    secure_wipe(arena.memory.data, arena.memory.data_size);
    (void)close(arena, 0, arena.memory.data_size, true);
  } else {
    log_message(LogLevel::Error, "could not open an arena to wipe it; unmapping unwiped: " + opened.error().message);
  }
}

// Brings pages [first, last] to what their counts want, one mprotect per run
// of pages with the same target. Stops at the first failure; pages keep their
// recorded protection, so sealed() stays honest.
Status ArenaGate::apply(PoolArena& arena, std::size_t first, std::size_t last) const {
  const std::size_t page = page_size();
  std::size_t p = first;
  while (p <= last) {
    const Protection target = wanted(arena, p);
    if (arena.page_protection[p] == target) {
      ++p;
      continue;
    }
    std::size_t end = p + 1;
    while (end <= last && wanted(arena, end) == target && arena.page_protection[end] != target) ++end;
    Status changed = gate_.protect(arena.memory.data + p * page, (end - p) * page, target);
    if (!changed) return changed;
    for (std::size_t q = p; q < end; ++q) arena.page_protection[q] = target;
    p = end;
  }
  return Status();
}

Status ArenaGate::open(PoolArena& arena, std::size_t offset, std::size_t length, bool write) const {
  if (gate_.sealing() == Sealing::KernelCopy) return Status();  // pages never open
  const std::size_t first = first_page(offset), last = last_page(offset, length);
  auto& counts = write ? arena.page_writers : arena.page_readers;
  for (std::size_t p = first; p <= last; ++p) {
    if (counts[p] == UINT16_MAX) return make_error(ErrorCode::InvalidArgument, "too many nested scopes");
  }
  count(arena, first, last, write, +1);
  if (gate_.sealing() == Sealing::Pkey) {
    return gate_.open(arena.memory.data + offset, length, write ? Protection::ReadWrite : Protection::ReadOnly);
  }
  Status opened = apply(arena, first, last);
  if (!opened) {
    count(arena, first, last, write, -1);
    Status restored = apply(arena, first, last);
    if (!restored) log_message(LogLevel::Error, "could not re-seal pages after a failed open");
  }
  return opened;
}

Status ArenaGate::close(PoolArena& arena, std::size_t offset, std::size_t length, bool write) const {
  if (gate_.sealing() == Sealing::KernelCopy) return Status();
  const std::size_t first = first_page(offset), last = last_page(offset, length);
  count(arena, first, last, write, -1);
  if (gate_.sealing() == Sealing::Pkey) {
    return gate_.close(arena.memory.data + offset, length, write ? Protection::ReadWrite : Protection::ReadOnly);
  }
  return apply(arena, first, last);
}

bool ArenaGate::sealed(const PoolArena& arena, std::size_t offset, std::size_t length) const {
  const Sealing sealing = gate_.sealing();
  if (sealing == Sealing::Pkey) return !os::key_scope_open(gate_.key());
  if (sealing != Sealing::Mprotect && sealing != Sealing::KernelCopy) return false;
  for (std::size_t p = first_page(offset); p <= last_page(offset, length); ++p) {
    if (arena.page_protection[p] != Protection::NoAccess) return false;
  }
  return true;
}

Status ArenaGate::read(const unsigned char* from, unsigned char* into, std::size_t size) const {
  return gate_.read(from, into, size);
}

Status ArenaGate::wipe(unsigned char* at, std::size_t size) const {
  return gate_.wipe(at, size);
}

Result<bool> ArenaGate::canary_intact(const unsigned char* after_secret) const {
  unsigned char seen[Canary::kMaxSize];
  Status read_back = read(after_secret, seen, pool_canary().size());
  if (!read_back) return read_back.error();
  const bool intact = pool_canary().matches(seen);
  secure_wipe(seen, sizeof seen);
  return intact;
}

ScopeCloser::~ScopeCloser() {
  if (closed_) return;
  Status sealed = close();
  if (!sealed) {
    log_message(LogLevel::Error, "could not re-seal an arena after a failed scope: " + sealed.error().message);
  }
}

Status ScopeCloser::close() {
  if (closed_) return Status();
  closed_ = true;
  return gate_.close(arena_, offset_, length_, write_);
}

}  // namespace strongroom
