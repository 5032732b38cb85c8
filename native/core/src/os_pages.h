// The page primitives each OS file provides to the shared code: page size,
// mapping, protection, crash-dump and fork exclusion, the at-rest protection.
// Internal to the core.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {
namespace os {

// The page size as the OS reports it; <= 0 when the call failed.
long reported_page_size();

// Anonymous private pages, zero-filled, with the given protection.
Result<void*> map(std::size_t size, Protection protection);
// Large/huge pages; Unsupported or OsError when the OS will not give them.
Result<void*> map_large_pages(std::size_t size, Protection protection);
// The large page size, or 0 when the platform has none.
std::size_t large_page_size();
Status unmap(void* ptr, std::size_t size);
// mprotect / VirtualProtect, no checks: platform_memory::protect checks the
// arguments once for every OS.
Status protect(void* ptr, std::size_t size, Protection protection);

// Excludes the range from crash dumps where the OS offers a way, and says
// whether it did: MADV_DONTDUMP / MADV_NOCORE on POSIX, Windows Error
// Reporting's WerRegisterExcludedMemoryBlock (Windows 10 1703+, at most
// WER_MAX_REGISTERED_ENTRIES blocks) on Windows.
bool exclude_from_crash_dumps(void* ptr, std::size_t size);
// Keeps the range out of forked children where the OS offers a way, and
// says whether it did: MADV_DONTFORK on Linux (linux_fork.cc),
// minherit(VM_INHERIT_NONE) on macOS (darwin_fork.cc); false on Windows,
// which has no fork.
bool exclude_from_fork(void* ptr, std::size_t size);
// Drops a Windows WER registration before the range is freed; no-op on POSIX.
void forget_crash_dump_exclusion(void* ptr);
// Has `handler` run in the child after every fork (pthread_atfork on POSIX,
// posix_fork.cc); nothing on Windows, which has no fork.
void call_in_forked_child(void (*handler)());

// The protection a ProtectedRegion keeps at rest. NoAccess where that keeps
// the pages locked (POSIX); ReadOnly on Windows, where PAGE_NOACCESS on a
// locked page unlocks it (STATUS_WAS_UNLOCKED) and the lock matters more.
Protection at_rest_protection();

}  // namespace os
}  // namespace strongroom
