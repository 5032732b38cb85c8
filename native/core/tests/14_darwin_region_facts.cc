// The rules that turn macOS region records (mach_vm_region_recurse,
// vm_region_submap_info_64) into facts, checked with synthetic records on
// every OS: macOS itself runs them on real records in 07_readback and the
// region and pool suites.
#include <vector>

#include "strongroom/darwin_region_facts.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom::darwin;

namespace {

constexpr std::uint64_t kPage = 16384;  // Apple silicon
constexpr std::uint64_t kBase = 0x100000000;

RegionRecord record(std::uint64_t start_page, std::uint64_t pages, int protection, int inheritance,
                    std::uint32_t wired) {
  RegionRecord r;
  r.start = kBase + start_page * kPage;
  r.size = pages * kPage;
  r.protection = protection;
  r.inheritance = inheritance;
  r.user_wired_count = wired;
  return r;
}

constexpr int kRW = kVmProtRead | kVmProtWrite;

// A pooled arena or an isolated region at rest: [guard][2 data pages][guard],
// the data wired, sealed and not inherited.
std::vector<RegionRecord> secret_at_rest() {
  return {record(0, 1, 0, kVmInheritCopy, 0), record(1, 2, 0, kVmInheritNone, 1), record(3, 1, 0, kVmInheritCopy, 0)};
}

std::uint64_t at(std::uint64_t page) {
  return kBase + page * kPage;
}

}  // namespace

TEST_CASE("a wired, sealed, not-inherited entry: locked, no access, fork-excluded") {
  RegionFacts facts = facts_for_range(secret_at_rest(), at(1), 2 * kPage);
  CHECK(facts.range.locked == Fact::Yes);
  CHECK(facts.no_access == Fact::Yes);
  CHECK(facts.range.fork_excluded == Fact::Yes);
  // macOS has neither per-region dump exclusion nor wipe-on-fork: never claimed.
  CHECK(facts.range.dump_excluded == Fact::Unknown);
  CHECK(facts.range.wipe_on_fork == Fact::Unknown);
  // Part of an entry is judged by the entry.
  CHECK(facts_for_range(secret_at_rest(), at(1) + 100, 32).range.locked == Fact::Yes);
}

TEST_CASE("guard pages: no access, not wired, inherited") {
  RegionFacts front = facts_for_range(secret_at_rest(), at(0), kPage);
  CHECK(front.no_access == Fact::Yes);
  CHECK(front.range.locked == Fact::No);
  CHECK(front.range.fork_excluded == Fact::No);
  CHECK(facts_for_range(secret_at_rest(), at(3), kPage).no_access == Fact::Yes);
}

TEST_CASE("each property is read from its own field") {
  // Wired but readable (a read scope is open) and inherited.
  std::vector<RegionRecord> open = {record(0, 1, kVmProtRead, kVmInheritCopy, 1)};
  RegionFacts facts = facts_for_range(open, at(0), kPage);
  CHECK(facts.range.locked == Fact::Yes);
  CHECK(facts.no_access == Fact::No);
  CHECK(facts.range.fork_excluded == Fact::No);
  // Any of read, write or execute is access; VM_INHERIT_SHARE is inherited.
  for (int protection : {kVmProtRead, kVmProtWrite, kVmProtExecute, kRW}) {
    std::vector<RegionRecord> one = {record(0, 1, protection, kVmInheritShare, 0)};
    RegionFacts f = facts_for_range(one, at(0), kPage);
    CHECK(f.no_access == Fact::No);
    CHECK(f.range.fork_excluded == Fact::No);
    CHECK(f.range.locked == Fact::No);
  }
  // A wire count above one (mlock twice) is still locked.
  std::vector<RegionRecord> twice = {record(0, 1, 0, kVmInheritNone, 2)};
  CHECK(facts_for_range(twice, at(0), kPage).range.locked == Fact::Yes);
}

TEST_CASE("adjacent entries together cover a range; one that differs makes it No") {
  // mlock or mprotect on part of an entry splits it: the pieces are adjacent.
  std::vector<RegionRecord> split = {record(0, 1, 0, kVmInheritNone, 1), record(1, 1, 0, kVmInheritNone, 1),
                                     record(2, 2, 0, kVmInheritNone, 3)};
  RegionFacts whole = facts_for_range(split, at(0), 4 * kPage);
  CHECK(whole.range.locked == Fact::Yes);
  CHECK(whole.no_access == Fact::Yes);
  CHECK(whole.range.fork_excluded == Fact::Yes);

  split[1].user_wired_count = 0;  // the middle page was munlocked
  split[2].protection = kVmProtRead;
  RegionFacts mixed = facts_for_range(split, at(0), 4 * kPage);
  CHECK(mixed.range.locked == Fact::No);
  CHECK(mixed.no_access == Fact::No);
  CHECK(mixed.range.fork_excluded == Fact::Yes);
  // The range is judged only by the entries over it.
  CHECK(facts_for_range(split, at(0), kPage).range.locked == Fact::Yes);
  CHECK(facts_for_range(split, at(0), kPage + 1).range.locked == Fact::No);
}

TEST_CASE("a range partly covered is Unknown, or No where a covered page lacks the fact") {
  // A hole (unmapped page 1) inside the range.
  std::vector<RegionRecord> holed = {record(0, 1, 0, kVmInheritNone, 1), record(2, 1, 0, kVmInheritNone, 1)};
  RegionFacts facts = facts_for_range(holed, at(0), 3 * kPage);
  CHECK(facts.range.locked == Fact::Unknown);
  CHECK(facts.no_access == Fact::Unknown);
  CHECK(facts.range.fork_excluded == Fact::Unknown);
  // The walk stopped short of the end of the range.
  CHECK(facts_for_range(holed, at(2), 2 * kPage).range.locked == Fact::Unknown);
  // The range starts in a hole: the first entry found lies above it.
  CHECK(facts_for_range(holed, at(1), 2 * kPage).no_access == Fact::Unknown);
  // A covered page that is not wired settles it, hole or not.
  holed[1].user_wired_count = 0;
  CHECK(facts_for_range(holed, at(0), 3 * kPage).range.locked == Fact::No);
}

TEST_CASE("no records, an empty or wrapping range, or a broken walk are Unknown") {
  CHECK(facts_for_range({}, at(0), kPage).range.locked == Fact::Unknown);
  CHECK(facts_for_range(secret_at_rest(), at(1), 0).range.locked == Fact::Unknown);
  CHECK(facts_for_range(secret_at_rest(), ~std::uint64_t{0} - 10, 100).no_access == Fact::Unknown);
  // Records only below or above the range say nothing about it.
  CHECK(facts_for_range(secret_at_rest(), at(8), kPage).range.locked == Fact::Unknown);
  // Overlapping or out-of-order records: the walk cannot be trusted.
  std::vector<RegionRecord> overlapping = {record(0, 2, 0, kVmInheritNone, 1), record(1, 2, 0, kVmInheritNone, 1)};
  CHECK(facts_for_range(overlapping, at(0), 3 * kPage).range.locked == Fact::Unknown);
  std::vector<RegionRecord> backwards = {record(2, 1, 0, kVmInheritNone, 1), record(0, 1, 0, kVmInheritNone, 1)};
  CHECK(facts_for_range(backwards, at(0), kPage).no_access == Fact::Unknown);
  std::vector<RegionRecord> empty_entry = {record(0, 0, 0, kVmInheritNone, 1)};
  CHECK(facts_for_range(empty_entry, at(0), kPage).range.locked == Fact::Unknown);
}

TEST_CASE("wired_bytes sums wired entries once each, whatever their wire count") {
  std::vector<RegionRecord> space = {record(0, 1, kRW, kVmInheritCopy, 0), record(1, 2, 0, kVmInheritNone, 1),
                                     record(3, 1, 0, kVmInheritCopy, 0), record(9, 4, kRW, kVmInheritCopy, 2)};
  CHECK_EQ(*wired_bytes(space), 6 * kPage);
  CHECK_EQ(*wired_bytes({}), std::uint64_t{0});
  space[1].user_wired_count = 0;
  CHECK_EQ(*wired_bytes(space), 4 * kPage);
  std::vector<RegionRecord> overlapping = {record(0, 2, 0, kVmInheritNone, 1), record(1, 2, 0, kVmInheritNone, 1)};
  CHECK(!wired_bytes(overlapping).has_value());
  RegionRecord top;
  top.start = ~std::uint64_t{0} - kPage + 1;
  top.size = 2 * kPage;  // wraps past the top of the address space
  top.user_wired_count = 1;
  CHECK(!wired_bytes({top}).has_value());
}

STRONGROOM_TEST_MAIN
