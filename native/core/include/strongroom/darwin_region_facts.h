// Turns macOS VM region records into read-back facts. Pure and
// platform-independent: darwin_readback.cc fills RegionRecords from
// mach_vm_region_recurse (vm_region_submap_info_64) and asks these functions,
// and every OS compiles and unit-tests them with synthetic records, so the
// rules are checked where macOS cannot run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "strongroom/readback.h"

namespace strongroom {
namespace darwin {

// The values of <mach/vm_prot.h> and <mach/vm_inherit.h>, mirrored so this
// file needs no Mach header; darwin_readback.cc static_asserts they match.
constexpr int kVmProtRead = 0x1;
constexpr int kVmProtWrite = 0x2;
constexpr int kVmProtExecute = 0x4;
constexpr int kVmInheritShare = 0;
constexpr int kVmInheritCopy = 1;
constexpr int kVmInheritNone = 2;

// One leaf map entry as vm_region_submap_info_64 describes it: [start,
// start + size), its current protection, its inheritance on fork, and how
// many times user space wired it (each mlock adds one and each munlock takes
// one away: XNU's subtract_wire_counts decrements it, it does not reset it).
struct RegionRecord {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  int protection = 0;
  int inheritance = kVmInheritCopy;
  std::uint32_t user_wired_count = 0;
};

// The facts for [begin, begin + len) from the records the walk found, in
// ascending address order (mach_vm_region_recurse returns the entry holding
// an address, or the next one above it). Adjacent records together cover
// the range; each fact is:
//   Yes      every record over the range has it and they cover it with no hole,
//   No       a record over the range lacks it (the OS reported such a page),
//   Unknown  otherwise: a hole, no records, an empty or wrapping range, or
//            records out of order or overlapping (a walk that went wrong).
// locked: user_wired_count > 0. no_access: protection has none of read,
// write, execute. fork_excluded: inheritance is VM_INHERIT_NONE. macOS has
// no per-region dump exclusion or wipe-on-fork: those stay Unknown.
struct RegionFacts {
  RangeFacts range;
  Fact no_access = Fact::Unknown;
};
RegionFacts facts_for_range(const std::vector<RegionRecord>& records, std::uint64_t begin, std::uint64_t len);

// Bytes in records that user space has wired: the process's locked bytes
// when `records` is the whole address space. XNU charges a user wire to the
// map once per entry, by the entry's size, when its user_wired_count leaves 0,
// and checks that sum against the wire limits, so this is the figure the
// limits apply to. nullopt when the records overlap, are out of order or
// overflow (the walk cannot be trusted).
std::optional<std::uint64_t> wired_bytes(const std::vector<RegionRecord>& records);

}  // namespace darwin
}  // namespace strongroom
