// Asks the OS what it really did with a range of memory. Nothing here comes
// from our own bookkeeping: a fact is Yes only when the OS reported it, and
// Unknown when it cannot be read on this platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace strongroom {

enum class Fact : std::int8_t { Unknown = -1, No = 0, Yes = 1 };

const char* fact_name(Fact fact);

struct RangeFacts {
  Fact locked = Fact::Unknown;         // smaps `lo`; QueryWorkingSetEx Locked; macOS user_wired_count
  Fact dump_excluded = Fact::Unknown;  // smaps `dd` (nothing to read on Windows or macOS)
  Fact fork_excluded = Fact::Unknown;  // smaps `dc` (MADV_DONTFORK); macOS VM_INHERIT_NONE
  Fact wipe_on_fork = Fact::Unknown;   // smaps `wf` (MADV_WIPEONFORK)
};

// A fact is Yes when every page of [addr, addr+len) has it, No when at least
// one page is known not to, Unknown when the OS cannot tell. Reads
// /proc/self/smaps on Linux, walks the map entries with
// mach_vm_region_recurse on macOS (darwin_region_facts.h): not for hot paths.
RangeFacts query_range(const void* addr, std::size_t len);

// Whether every page of [addr, addr+len) is inaccessible (no read, write or
// execute) as the OS reports it: /proc/self/maps on Linux, VirtualQuery on
// Windows, the entries' protection (mach_vm_region_recurse) on macOS. Proves
// guard pages and seals from outside our own bookkeeping.
Fact query_no_access(const void* addr, std::size_t len);

// Whether every page of [addr, addr+len) carries protection key `key`, as
// /proc/self/smaps reports it ("ProtectionKey: N", shown only where the CPU
// and kernel have keys). Half of a protection-key seal: the other half is the
// calling thread's PKRU, which no /proc file shows. Unknown where smaps has
// no ProtectionKey lines (no keys) and off Linux.
Fact query_protection_key(const void* addr, std::size_t len, int key);

// Bytes locked by the whole process as the OS reports them: VmLck on Linux;
// on macOS the bytes of every map entry with a user wire count, the sum XNU
// checks the wire limits against. std::nullopt where the OS does not say
// (Windows) or the walk failed.
std::optional<std::uint64_t> process_locked_bytes();

// Parses one smaps "VmFlags:" line's flags; exposed for tests.
struct VmFlags {
  bool locked = false, dont_dump = false, dont_copy = false, wipe_on_fork = false;
};
VmFlags parse_vmflags(const char* flags_text);

}  // namespace strongroom
