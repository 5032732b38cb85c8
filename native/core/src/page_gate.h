// Opening and sealing locked data pages, by sealing method; shared by a pool
// arena (ArenaGate, page by page) and a region (its whole data range):
//   Pkey        the page tables stay read-write; a scope opens the key for
//               the calling thread only (PKRU), no system call.
//   KernelCopy  the pages never open; bytes move through the kernel
//               (os_sealing.h), so open and close do nothing.
//   Mprotect    the pages open and seal through the allocator's protect.
//   None        Windows: pages rest read-only, scopes open them like Mprotect.
// Internal to the core.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/readback.h"
#include "strongroom/sealing.h"

namespace strongroom {

class PageGate {
 public:
  PageGate(Sealing sealing, int key, LockedPageAllocator& pages) : sealing_(sealing), key_(key), pages_(pages) {}

  Sealing sealing() const { return sealing_; }
  int key() const { return key_; }

  // Seals freshly mapped data pages: tags them with the key (pkey), else gives
  // them the at-rest protection; registers them for kernel copy.
  Status seal_at_rest(unsigned char* data, std::size_t size) const;
  // Opens [at, at + size) for one scope with `protection` (ReadOnly or
  // ReadWrite): under pkey the key for the calling thread, whatever the range.
  Status open(unsigned char* at, std::size_t size, Protection protection) const;
  // Closes a scope opened with `opened`: under pkey the calling thread's key,
  // else the range goes back to the at-rest protection.
  Status close(unsigned char* at, std::size_t size, Protection opened) const;
  // Gives [at, at + size) `protection` through the allocator (not under pkey
  // or kernel copy, whose page tables do not change per scope).
  Status protect(unsigned char* at, std::size_t size, Protection protection) const;

  // Reads and wipes bytes: through the kernel under kernel copy, else in
  // place, inside a scope the caller opened.
  Status read(const unsigned char* from, unsigned char* into, std::size_t size) const;
  Status wipe(unsigned char* at, std::size_t size) const;

  // Whether [at, at + size) is sealed right now, as the OS reports it: under
  // pkey, every page carries the key in /proc/self/smaps AND this thread's
  // PKRU denies the key; otherwise every page is no-access in the maps.
  Fact sealed_verified(const unsigned char* at, std::size_t size) const;

 private:
  Sealing sealing_;
  int key_;
  LockedPageAllocator& pages_;
};

}  // namespace strongroom
