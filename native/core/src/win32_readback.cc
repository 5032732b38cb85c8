// OS read-back on Windows: QueryWorkingSetEx per page. Windows reports
// nothing like dump or fork exclusion, nor a process-wide locked total.
#include <windows.h>
// windows.h first: psapi.h needs its types.
#include <psapi.h>

#include <cstdint>
#include <vector>

#include "strongroom/page_size.h"
#include "strongroom/readback.h"

namespace strongroom {
namespace {

// wine answers QueryWorkingSetEx with Locked = 0 for every page, locked or
// not, so its answer must not be read as "not locked". wine's ntdll exports
// wine_get_version; Windows' never does.
bool running_under_wine() {
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// Locked is only meaningful for a page that is Valid (resident in the
// working set): all pages Valid and Locked -> Yes; any page Valid but not
// Locked -> No; otherwise (pages not resident, not committed) Unknown.
struct LockAccumulator {
  bool all_locked = true;
  bool any_unlocked = false;
  void add(const PSAPI_WORKING_SET_EX_BLOCK& page) {
    if (!page.Valid) {
      all_locked = false;
    } else if (!page.Locked) {
      all_locked = false;
      any_unlocked = true;
    }
  }
  Fact result() const {
    if (any_unlocked) return Fact::No;
    return all_locked ? Fact::Yes : Fact::Unknown;
  }
};

constexpr std::size_t kPagesPerQuery = 512;

}  // namespace

RangeFacts query_range(const void* addr, std::size_t len) {
  RangeFacts facts;  // dump/fork/wipe-on-fork: always Unknown on Windows
  if (addr == nullptr || len == 0) return facts;
  // The working set is kept per OS page, simulated page size or not.
  const std::uintptr_t page = os_page_size();
  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(addr) & ~(page - 1);
  const std::uintptr_t last = reinterpret_cast<std::uintptr_t>(addr) + (len - 1);
  if (last < begin) return facts;  // wraps around the address space
  const std::uintptr_t end_page = last & ~(page - 1);

  LockAccumulator locked;
  std::vector<PSAPI_WORKING_SET_EX_INFORMATION> batch;
  batch.reserve(kPagesPerQuery);
  std::uintptr_t next = begin;
  bool done = false;
  while (!done) {
    batch.clear();
    while (batch.size() < kPagesPerQuery) {
      PSAPI_WORKING_SET_EX_INFORMATION entry = {};
      entry.VirtualAddress = reinterpret_cast<void*>(next);
      batch.push_back(entry);
      if (next == end_page) {
        done = true;
        break;
      }
      next += page;
    }
    const DWORD bytes = static_cast<DWORD>(batch.size() * sizeof batch[0]);
    if (!QueryWorkingSetEx(GetCurrentProcess(), batch.data(), bytes)) return facts;
    for (const auto& entry : batch) locked.add(entry.VirtualAttributes);
  }
  // The query ran, but under wine its Locked bit is always 0: unverifiable.
  facts.locked = running_under_wine() ? Fact::Unknown : locked.result();
  return facts;
}

Fact query_no_access(const void* addr, std::size_t len) {
  if (addr == nullptr || len == 0) return Fact::Unknown;
  const auto* cursor = static_cast<const unsigned char*>(addr);
  const auto* end = cursor + len;
  bool all = true;
  while (cursor < end) {
    MEMORY_BASIC_INFORMATION info;
    if (VirtualQuery(cursor, &info, sizeof info) == 0 || info.State != MEM_COMMIT) return Fact::Unknown;
    // PAGE_GUARD and caching modifiers sit above the low byte.
    all = all && (info.Protect & 0xFF) == PAGE_NOACCESS;
    cursor = static_cast<const unsigned char*>(info.BaseAddress) + info.RegionSize;
  }
  return all ? Fact::Yes : Fact::No;
}

std::optional<std::uint64_t> process_locked_bytes() {
  return std::nullopt;
}

// Windows has no memory protection keys to read back.
Fact query_protection_key(const void*, std::size_t, int) {
  return Fact::Unknown;
}

}  // namespace strongroom
