// Opening and sealing a pool arena's pages, page by page, through the shared
// PageGate (page_gate.h):
//   Pkey        a scope opens the key for the calling thread only.
//   KernelCopy  the pages never open, so open and close only keep the books.
//   Mprotect    only the pages under a scope's chunk open (one mprotect per
//   and None    run of pages with the same target), after per-page counts.
// Internal to the core.
#pragma once

#include <cstddef>

#include "page_gate.h"
#include "arena.h"
#include "strongroom/error.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/sealing.h"

namespace strongroom {

class ArenaGate {
 public:
  ArenaGate(Sealing sealing, int key, LockedPageAllocator& pages) : gate_(sealing, key, pages) {}

  // Seals a new arena's data pages and sets up its page records.
  Status seal_new(PoolArena& arena) const;
  // Wipes a whole arena before it is unmapped; logs what it could not do.
  void wipe_arena(PoolArena& arena) const;

  // One scope over [offset, offset + length); scopes nest per page.
  Status open(PoolArena& arena, std::size_t offset, std::size_t length, bool write) const;
  Status close(PoolArena& arena, std::size_t offset, std::size_t length, bool write) const;
  // Closed right now for the calling thread (our record).
  bool sealed(const PoolArena& arena, std::size_t offset, std::size_t length) const;

  // Reads and wipes bytes of a chunk: through the kernel under kernel copy,
  // else in place, inside a scope the caller opened.
  Status read(const unsigned char* from, unsigned char* into, std::size_t size) const;
  Status wipe(unsigned char* at, std::size_t size) const;
  // Whether the pool canary right after a written secret is intact.
  Result<bool> canary_intact(const unsigned char* after_secret) const;

 private:
  Status apply(PoolArena& arena, std::size_t first, std::size_t last) const;

  PageGate gate_;
};

// Closes a scope when it ends, including when the callback throws.
class ScopeCloser {
 public:
  ScopeCloser(const ArenaGate& gate, PoolArena& arena, std::size_t offset, std::size_t length, bool write)
      : gate_(gate), arena_(arena), offset_(offset), length_(length), write_(write) {}
  ~ScopeCloser();
  ScopeCloser(const ScopeCloser&) = delete;
  ScopeCloser& operator=(const ScopeCloser&) = delete;
  Status close();

 private:
  const ArenaGate& gate_;
  PoolArena& arena_;
  std::size_t offset_;
  std::size_t length_;
  bool write_;
  bool closed_ = false;
};

}  // namespace strongroom
