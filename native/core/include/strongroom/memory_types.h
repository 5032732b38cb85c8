// The value types every memory layer speaks: a protection level, a guarded
// mapping, what securing a range got, and what to do when a lock is refused. Kept apart from platform_memory.h so that
// the per-OS primitives (os_pages.h) can name them without including the layer built on them.
#pragma once

#include <cstddef>

#include "strongroom/error.h"

namespace strongroom {

enum class Protection {
  NoAccess,
  ReadOnly,
  ReadWrite,
  Execute,
  ReadExecute,
  ReadWriteExecute,
};

const char* protection_name(Protection protection);

// A mapping of [guard pages][data pages][guard pages]; guards are no-access.
struct GuardedAllocation {
  void* base = nullptr;
  std::size_t total_size = 0;
  unsigned char* data = nullptr;
  std::size_t data_size = 0;  // whole pages
  std::size_t guard_pages_before = 0;
  std::size_t guard_pages_after = 0;
};

// What make_secure() got from the OS for a range.
struct SecureAttributes {
  bool locked = false;
  bool dump_excluded = false;
  bool fork_excluded = false;
  Error lock_error;  // meaningful only when !locked
};

// What a region, a pool or a scratch buffer does when the OS refuses to lock
// its pages.
enum class LockPolicy {
  Require,     // a refused lock is an error (LockFailed); nothing is leaked
  BestEffort,  // a refused lock is logged and reported as not locked
};

}  // namespace strongroom
