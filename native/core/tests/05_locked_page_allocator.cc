// The OS locked page allocator, through the operations Pool and
// ProtectedRegion use: guarded mappings whose data pages are zeroed and
// writable between no-access guards, make_secure's lock and exclusions as the
// OS reports them, the lock given back by unlock, and limit() as the OS's
// lock budget.
#include <cstring>
#include <string>

#include "os_probe.h"
#include "strongroom/hardening.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/page_size.h"
#include "strongroom/readback.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

TEST_CASE("allocate_guarded and make_secure give zeroed, writable, locked pages between guards") {
  LockedPageAllocator& pages = os_locked_page_allocator();
  auto mapped = pages.allocate_guarded(100, Protection::ReadWrite);
  REQUIRE_OK(mapped);
  const GuardedAllocation memory = mapped.value();
  CHECK_EQ(memory.data_size, page_size());
  CHECK_EQ(memory.total_size, 3 * page_size());
  CHECK_EQ(memory.data, static_cast<unsigned char*>(memory.base) + page_size());
  bool zero = true;
  for (std::size_t i = 0; i < memory.data_size; ++i) zero = zero && memory.data[i] == 0;
  CHECK(zero);
  std::memset(memory.data, 0x42, 100);

  const SecureAttributes secure = pages.make_secure(memory.data, memory.data_size);
  CHECK(secure.locked);  // within the default budget
  const RangeFacts facts = query_range(memory.data, memory.data_size);
  if (kLinux) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(secure.dump_excluded && secure.fork_excluded);
  } else if (kDarwin) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Unknown);  // macOS has no per-region exclusion
  } else if (kWindows && !running_under_wine()) {
    CHECK(facts.locked == Fact::Yes);
  } else {
    CHECK(facts.locked == Fact::Unknown);  // wine / no read-back: unverified, never Yes
  }
  // The guards are no-access as the OS reports them (Unknown where it cannot say).
  CHECK(query_no_access(memory.base, page_size()) != Fact::No);
  CHECK(query_no_access(memory.data + memory.data_size, page_size()) != Fact::No);
  CHECK(query_no_access(memory.data, memory.data_size) != Fact::Yes);

  std::memset(memory.data, 0, memory.data_size);
  REQUIRE_OK(pages.unlock(memory.data, memory.data_size));
  if (secure.dump_excluded) pages.forget_crash_dump_exclusion(memory.data);
  REQUIRE_OK(pages.free_guarded(memory));
}

TEST_CASE("allocate_guarded refuses zero and overflowing sizes") {
  LockedPageAllocator& pages = os_locked_page_allocator();
  auto zero = pages.allocate_guarded(0, Protection::ReadWrite);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  auto huge = pages.allocate_guarded(static_cast<std::size_t>(-1), Protection::ReadWrite);
  CHECK(!huge.ok() && huge.error().code == ErrorCode::InvalidSize);
  // Guard pages cannot be added past the end of the address space either.
  auto nearly = pages.allocate_guarded(static_cast<std::size_t>(-1) - page_size(), Protection::ReadWrite);
  CHECK(!nearly.ok() && nearly.error().code == ErrorCode::InvalidSize);
}

TEST_CASE("lock, then unlock, gives the lock back (VmLck returns to baseline)") {
  if (!process_locked_bytes()) skip("this OS does not report the process's locked bytes");
  LockedPageAllocator& pages = os_locked_page_allocator();
  const std::uint64_t before = *pages.locked_bytes();
  auto mapped = pages.allocate_guarded(3 * page_size(), Protection::ReadWrite);
  REQUIRE_OK(mapped);
  const GuardedAllocation memory = mapped.value();
  REQUIRE_OK(pages.lock(memory.data, memory.data_size));
  CHECK_EQ(*pages.locked_bytes(), before + 3 * page_size());
  REQUIRE_OK(pages.unlock(memory.data, memory.data_size));
  CHECK_EQ(*pages.locked_bytes(), before);
  REQUIRE_OK(pages.free_guarded(memory));
  CHECK(!pages.free_guarded(GuardedAllocation()).ok());  // a null mapping is refused, not unmapped
}

TEST_CASE("limit() is the OS lock budget") {
  auto limit = os_locked_page_allocator().limit();
  auto budget = lock_budget();
  REQUIRE_OK(budget);
  if (kWindows) {
    REQUIRE(limit.has_value());  // derived from the minimum working set
    CHECK(*limit > 0);
  }
  CHECK(limit.has_value() == budget.value().limit.has_value());
  if (limit) CHECK_EQ(static_cast<std::uint64_t>(*limit), *budget.value().limit);
  std::printf("    lock budget: %s\n", limit ? std::to_string(*limit).c_str() : "none");
}

STRONGROOM_TEST_MAIN
