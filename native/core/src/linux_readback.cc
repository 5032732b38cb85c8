// OS read-back on Linux: /proc/self/smaps VmFlags and /proc/self/status VmLck.
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "fact_tally.h"
#include "strongroom/readback.h"

namespace strongroom {
RangeFacts query_range(const void* addr, std::size_t len) {
  RangeFacts facts;
  if (addr == nullptr || len == 0) return facts;
  std::FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return facts;

  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(addr);
  const std::uintptr_t end = begin + len;
  std::uintptr_t covered_to = begin;  // mappings come sorted by address
  bool contiguous = true;
  bool in_range = false;
  FactTally locked, dump, fork, wipe;

  char line[512];
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    // A mapping header: "7f00...-7f00... rw-p ...". Field lines start with a
    // capitalised name instead and fail this parse.
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
      in_range = hi > begin && lo < end;
      if (in_range) {
        if (lo > covered_to) contiguous = false;
        if (hi > covered_to) covered_to = hi;
      }
      continue;
    }
    if (in_range && std::strncmp(line, "VmFlags:", 8) == 0) {
      VmFlags flags = parse_vmflags(line + 8);
      locked.add(flags.locked);
      dump.add(flags.dont_dump);
      fork.add(flags.dont_copy);
      wipe.add(flags.wipe_on_fork);
    }
  }
  std::fclose(smaps);
  const bool covered = contiguous && covered_to >= end;
  facts.locked = locked.result(covered);
  facts.dump_excluded = dump.result(covered);
  facts.fork_excluded = fork.result(covered);
  facts.wipe_on_fork = wipe.result(covered);
  return facts;
}

Fact query_no_access(const void* addr, std::size_t len) {
  if (addr == nullptr || len == 0) return Fact::Unknown;
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return Fact::Unknown;
  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(addr);
  const std::uintptr_t end = begin + len;
  std::uintptr_t covered_to = begin;
  bool contiguous = true;
  FactTally no_access;
  char line[512];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[5] = {0};
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, perms) != 3) continue;
    if (hi <= begin || lo >= end) continue;
    if (lo > covered_to) contiguous = false;
    if (hi > covered_to) covered_to = hi;
    no_access.add(perms[0] == '-' && perms[1] == '-' && perms[2] == '-');
  }
  std::fclose(maps);
  return no_access.result(contiguous && covered_to >= end);
}

Fact query_protection_key(const void* addr, std::size_t len, int key) {
  if (addr == nullptr || len == 0 || key < 0) return Fact::Unknown;
  std::FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return Fact::Unknown;
  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(addr);
  const std::uintptr_t end = begin + len;
  std::uintptr_t covered_to = begin;
  bool contiguous = true;
  bool in_range = false;
  // A mapping in the range without a ProtectionKey line: the kernel does not
  // show keys here, so nothing can be confirmed.
  bool key_line_seen = true, key_line_missing = false;
  FactTally tagged;
  char line[512];
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
      if (in_range && !key_line_seen) key_line_missing = true;
      in_range = hi > begin && lo < end;
      key_line_seen = false;
      if (in_range) {
        if (lo > covered_to) contiguous = false;
        if (hi > covered_to) covered_to = hi;
      }
      continue;
    }
    int shown = -1;
    if (in_range && std::sscanf(line, "ProtectionKey: %d", &shown) == 1) {
      key_line_seen = true;
      tagged.add(shown == key);
    }
  }
  std::fclose(smaps);
  if (in_range && !key_line_seen) key_line_missing = true;
  if (key_line_missing) return Fact::Unknown;
  return tagged.result(contiguous && covered_to >= end);
}

std::optional<std::uint64_t> process_locked_bytes() {
  std::FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr) return std::nullopt;
  char line[256];
  std::optional<std::uint64_t> result;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    unsigned long long kib = 0;
    if (std::sscanf(line, "VmLck: %llu kB", &kib) == 1) {
      result = static_cast<std::uint64_t>(kib) * 1024;
      break;
    }
  }
  std::fclose(status);
  return result;
}

}  // namespace strongroom
