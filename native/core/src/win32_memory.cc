// Windows page primitives: VirtualAlloc, VirtualProtect, VirtualLock,
// VirtualFree. The Win32 twin of posix_memory.cc.
#include <windows.h>

#include <cstdint>

#include "os_pages.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"

namespace strongroom {
namespace {

DWORD to_protect(Protection protection) {
  switch (protection) {
    case Protection::NoAccess:
      return PAGE_NOACCESS;
    case Protection::ReadOnly:
      return PAGE_READONLY;
    case Protection::ReadWrite:
      return PAGE_READWRITE;
    case Protection::Execute:
      return PAGE_EXECUTE;
    case Protection::ReadExecute:
      return PAGE_EXECUTE_READ;
    case Protection::ReadWriteExecute:
      return PAGE_EXECUTE_READWRITE;
  }
  return PAGE_NOACCESS;
}

int last_error() {
  return static_cast<int>(GetLastError());
}

// Bytes of the allocation VirtualAlloc returned at `base`, summed over its
// regions (a guarded allocation has several protections, hence several
// regions); 0 when `base` is not the start of an allocation.
std::size_t allocation_span(void* base) {
  std::size_t span = 0;
  unsigned char* p = static_cast<unsigned char*>(base);
  MEMORY_BASIC_INFORMATION info;
  while (VirtualQuery(p, &info, sizeof info) == sizeof info && info.AllocationBase == base && info.State != MEM_FREE &&
         info.RegionSize != 0) {
    span += info.RegionSize;
    p += info.RegionSize;
  }
  return span;
}

}  // namespace

namespace os {

long reported_page_size() {
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return static_cast<long>(info.dwPageSize);
}

Result<void*> map(std::size_t size, Protection protection) {
  // Committed pages are zero-filled on first touch. VirtualAlloc aligns to
  // the 64 KiB allocation granularity, which covers every simulated page size.
  void* ptr = VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT, to_protect(protection));
  if (ptr == nullptr) {
    return make_os_error(ErrorCode::OsError, "VirtualAlloc", last_error(), "could not map memory");
  }
  return ptr;
}

std::size_t large_page_size() {
  return static_cast<std::size_t>(GetLargePageMinimum());
}

Result<void*> map_large_pages(std::size_t size, Protection protection) {
  // Needs SeLockMemoryPrivilege (the "Lock pages in memory" user right), which
  // processes almost never hold: usually ERROR_PRIVILEGE_NOT_HELD (1314).
  void* ptr = VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, to_protect(protection));
  if (ptr == nullptr) {
    return make_os_error(ErrorCode::OsError, "VirtualAlloc", last_error(),
                         "no large pages (MEM_LARGE_PAGES needs SeLockMemoryPrivilege)");
  }
  return ptr;
}

// Releases whole allocations only: VirtualFree(MEM_RELEASE) takes the base
// VirtualAlloc returned with size 0 and frees everything it reserved; it
// cannot give back part of an allocation. A range that is not exactly one
// whole allocation is refused instead of freeing more or less than asked.
// Windows documents STATUS_WAS_UNLOCKED: "The page protection of a locked
// page was changed to 'No Access' and the page was unlocked from memory and
// from the process." VirtualProtect still succeeds, so sealing a locked
// region PAGE_NOACCESS would silently give up the lock. Keep it read-only
// instead: still locked, writes fault, stray reads do not. (wine keeps the
// lock either way, so this cannot be observed under wine.)
Protection at_rest_protection() {
  return Protection::ReadOnly;
}

namespace {

// Looked up at run time: kernel32 has them from Windows 10 1703 on, and wine
// may not have them at all.
using WerRegisterFn = HRESULT(WINAPI*)(const void*, DWORD);
using WerUnregisterFn = HRESULT(WINAPI*)(const void*);

template <typename Fn>
Fn kernel32_function(const char* name) {
  HMODULE kernel32 = GetModuleHandleA("kernel32.dll");
  if (kernel32 == nullptr) return nullptr;
  return reinterpret_cast<Fn>(reinterpret_cast<void*>(GetProcAddress(kernel32, name)));
}

}  // namespace

bool exclude_from_crash_dumps(void* ptr, std::size_t size) {
  static const WerRegisterFn wer_register = kernel32_function<WerRegisterFn>("WerRegisterExcludedMemoryBlock");
  if (wer_register == nullptr || size == 0 || size > 0xFFFFFFFFu) return false;
  return wer_register(ptr, static_cast<DWORD>(size)) == S_OK;
}

// Windows has no fork: nothing to exclude from, no child to tell.
bool exclude_from_fork(void*, std::size_t) {
  return false;
}

void call_in_forked_child(void (*)()) {}

void forget_crash_dump_exclusion(void* ptr) {
  static const WerUnregisterFn wer_unregister = kernel32_function<WerUnregisterFn>("WerUnregisterExcludedMemoryBlock");
  if (wer_unregister != nullptr) (void)wer_unregister(ptr);
}

Status protect(void* ptr, std::size_t size, Protection protection) {
  DWORD old_protect = 0;
  if (!VirtualProtect(ptr, size, to_protect(protection), &old_protect)) {
    return make_os_error(ErrorCode::OsError, "VirtualProtect", last_error(),
                         std::string("could not set protection ") + protection_name(protection));
  }
  return Status();
}

Status unmap(void* ptr, std::size_t size) {
  const std::size_t span = allocation_span(ptr);
  if (span == 0 || span != align_up(size, page_size())) {
    return make_error(ErrorCode::InvalidArgument,
                      "unmap releases whole allocations only (the base and size that "
                      "VirtualAlloc returned); Windows cannot release part of one");
  }
  if (!VirtualFree(ptr, 0, MEM_RELEASE)) {
    return make_os_error(ErrorCode::OsError, "VirtualFree", last_error(), "could not unmap memory");
  }
  return Status();
}

}  // namespace os

namespace platform_memory {

Status lock(void* ptr, std::size_t size) {
  if (size == 0) return Status();
  // VirtualLock needs the pages accessible (PAGE_NOACCESS pages cannot be
  // locked). Beware the converse on Windows: making a locked page
  // PAGE_NOACCESS or PAGE_GUARD unlocks it and drops it from the working set
  // (NtProtectVirtualMemory returns STATUS_WAS_UNLOCKED, a success status,
  // so VirtualProtect reports success). wine keeps the lock, so this cannot
  // be seen under wine.
  if (!VirtualLock(ptr, size)) {
    const DWORD error = GetLastError();
    return make_os_error(ErrorCode::LockFailed, "VirtualLock", static_cast<int>(error),
                         error == ERROR_WORKING_SET_QUOTA
                             ? "could not lock pages: over the working-set quota (a process may lock only "
                               "its minimum working set minus a few pages; raise it with "
                               "SetProcessWorkingSetSize)"
                             : "could not lock pages");
  }
  return Status();
}

Status unlock(void* ptr, std::size_t size) {
  if (size == 0) return Status();
  // VirtualUnlock needs the pages accessible too (the shared code makes them
  // writable to wipe them first); it fails with ERROR_NOT_LOCKED (158) when
  // they were not locked.
  if (!VirtualUnlock(ptr, size)) {
    return make_os_error(ErrorCode::OsError, "VirtualUnlock", last_error(), "could not unlock pages");
  }
  return Status();
}

}  // namespace platform_memory
}  // namespace strongroom
