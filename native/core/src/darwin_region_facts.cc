// macOS region records -> read-back facts. Compiled on every OS (it calls
// nothing of the OS), so its unit tests run on Linux and under wine too.
#include "strongroom/darwin_region_facts.h"

#include "fact_tally.h"

namespace strongroom {
namespace darwin {
namespace {

bool no_access(int protection) {
  return (protection & (kVmProtRead | kVmProtWrite | kVmProtExecute)) == 0;
}

}  // namespace

RegionFacts facts_for_range(const std::vector<RegionRecord>& records, std::uint64_t begin, std::uint64_t len) {
  RegionFacts facts;
  if (len == 0 || begin + len < begin) return facts;
  const std::uint64_t end = begin + len;
  std::uint64_t covered_to = begin;
  std::uint64_t previous_end = 0;
  bool hole = false;
  FactTally locked, fork, sealed;
  for (const RegionRecord& record : records) {
    const std::uint64_t record_end = record.start + record.size;
    if (record.size == 0 || record_end < record.start || record.start < previous_end) {
      return RegionFacts();  // empty, wrapping, overlapping or out of order
    }
    previous_end = record_end;
    if (record_end <= begin || record.start >= end) continue;
    if (record.start > covered_to) hole = true;
    if (record_end > covered_to) covered_to = record_end;
    locked.add(record.user_wired_count > 0);
    fork.add(record.inheritance == kVmInheritNone);
    sealed.add(no_access(record.protection));
  }
  const bool covered = !hole && covered_to >= end;
  facts.range.locked = locked.result(covered);
  facts.range.fork_excluded = fork.result(covered);
  facts.no_access = sealed.result(covered);
  return facts;
}

std::optional<std::uint64_t> wired_bytes(const std::vector<RegionRecord>& records) {
  std::uint64_t total = 0;
  std::uint64_t previous_end = 0;
  for (const RegionRecord& record : records) {
    const std::uint64_t record_end = record.start + record.size;
    if (record_end < record.start || record.start < previous_end) return std::nullopt;
    previous_end = record_end;
    if (record.user_wired_count == 0) continue;
    if (total + record.size < total) return std::nullopt;
    total += record.size;
  }
  return total;
}

}  // namespace darwin
}  // namespace strongroom
