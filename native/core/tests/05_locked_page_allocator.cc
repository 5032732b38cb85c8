// The locked page allocator: allocation success and lock success are separate; free wipes,
// unlocks and unmaps; limit() is the OS's lock budget.
#include <cstring>

#include "os_probe.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/page_size.h"
#include "strongroom/readback.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

TEST_CASE("allocate_locked maps zeroed, writable, locked pages") {
  auto allocator = make_locked_page_allocator();
  CHECK_EQ(allocator->page_size(), page_size());
  bool locked = false;
  auto p = allocator->allocate_locked(100, &locked);
  REQUIRE_OK(p);
  CHECK(locked);  // within the default budget
  unsigned char* bytes = static_cast<unsigned char*>(p.value());
  bool zero = true;
  for (std::size_t i = 0; i < page_size(); ++i) zero = zero && bytes[i] == 0;
  CHECK(zero);
  std::memset(bytes, 0x42, 100);
  RangeFacts facts = query_range(bytes, page_size());
  if (kLinux) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
  } else if (kDarwin) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Unknown);  // macOS has no per-region exclusion
  } else if (kWindows && !running_under_wine()) {
    CHECK(facts.locked == Fact::Yes);
  } else {
    CHECK(facts.locked == Fact::Unknown);  // wine / no read-back: unverified, never Yes
  }
  allocator->free_locked(bytes, 100);
}

TEST_CASE("allocate_locked refuses zero and overflowing lengths") {
  auto allocator = make_locked_page_allocator();
  bool locked = true;
  auto zero = allocator->allocate_locked(0, &locked);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  CHECK(!locked);
  auto huge = allocator->allocate_locked(static_cast<std::size_t>(-1), &locked);
  CHECK(!huge.ok() && huge.error().code == ErrorCode::InvalidSize);
}

TEST_CASE("free_locked gives the lock back (VmLck returns to baseline)") {
  if (!process_locked_bytes()) skip("this OS does not report the process's locked bytes");
  auto allocator = make_locked_page_allocator();
  std::uint64_t before = *process_locked_bytes();
  bool locked = false;
  auto p = allocator->allocate_locked(3 * page_size(), &locked);
  REQUIRE_OK(p);
  REQUIRE(locked);
  CHECK_EQ(*process_locked_bytes(), before + 3 * page_size());
  allocator->free_locked(p.value(), 3 * page_size());
  CHECK_EQ(*process_locked_bytes(), before);
  allocator->free_locked(nullptr, 0);  // no-op
}

TEST_CASE("limit() is the OS lock budget") {
  auto allocator = make_locked_page_allocator();
  auto limit = allocator->limit();
  if (kWindows) {
    REQUIRE(limit.has_value());  // derived from the minimum working set
    CHECK(*limit > 0);
  } else if (limit) {
    CHECK(*limit > 0);
  }
  std::printf("    lock budget: %s\n", limit ? std::to_string(*limit).c_str() : "none");
}

STRONGROOM_TEST_MAIN
