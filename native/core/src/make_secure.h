// The "make secure" composition, in one place: lock the pages (a refusal is
// logged, not fatal), exclude them from crash dumps, exclude them from forked
// children. platform_memory::make_secure passes the OS operations; the
// LockedPageAllocator passes its own, so a fake allocator sees every step.
// Internal to the core.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/log.h"
#include "strongroom/memory_types.h"

namespace strongroom {

// lock(ptr, size) -> Status; exclude_from_crash_dumps(ptr, size) -> bool;
// exclude_from_fork(ptr, size) -> bool.
template <typename Lock, typename ExcludeFromCrashDumps, typename ExcludeFromFork>
SecureAttributes compose_make_secure(void* ptr, std::size_t size, Lock&& lock,
                                     ExcludeFromCrashDumps&& exclude_from_crash_dumps,
                                     ExcludeFromFork&& exclude_from_fork) {
  SecureAttributes attributes;
  Status locked = lock(ptr, size);
  attributes.locked = locked.ok();
  if (!locked) {
    attributes.lock_error = locked.error();
    log_message(LogLevel::Warn, "pages not locked, they may be swapped out: " + locked.error().message);
  }
  attributes.dump_excluded = exclude_from_crash_dumps(ptr, size);
  attributes.fork_excluded = exclude_from_fork(ptr, size);
  return attributes;
}

}  // namespace strongroom
