// Thin wrappers over the OS memory-locking calls (mlock, munlock, madvise).
//
// Named after the calls they wrap, so the man page is the documentation. They
// make no policy: zero length is a successful no-op, a platform without the
// call returns ErrorCode::Unsupported, and an OS failure keeps errno and the
// syscall name (EPERM/EACCES: no privilege or over RLIMIT_MEMLOCK; ENOMEM:
// over the limit or not mapped; EINVAL: bad range).
#pragma once

#include <cstddef>

#include "strongroom/error.h"

namespace strongroom {

Status mlock(const void* addr, std::size_t len);
Status munlock(const void* addr, std::size_t len);
// Linux MADV_DONTDUMP, FreeBSD MADV_NOCORE; Unsupported elsewhere (macOS has
// no per-region dump exclusion). `addr` must be page aligned.
Status madvise_dontdump(void* addr, std::size_t len);
// Linux MADV_DONTFORK: the range is not mapped into forked children.
Status madvise_dontfork(void* addr, std::size_t len);
// macOS minherit(addr, len, VM_INHERIT_NONE), macOS's MADV_DONTFORK: the
// range is not mapped into forked children. Unsupported elsewhere.
Status minherit_none(void* addr, std::size_t len);
// Linux MADV_WIPEONFORK (4.14+): children see the range zero-filled.
Status madvise_wipeonfork(void* addr, std::size_t len);
// Linux MADV_HUGEPAGE: the kernel may back the range with transparent huge
// pages (when /sys/kernel/mm/transparent_hugepage/enabled is `always` or
// `madvise`). Only a hint; Unsupported elsewhere.
Status madvise_hugepage(void* addr, std::size_t len);

}  // namespace strongroom
