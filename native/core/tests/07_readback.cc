#include "os_probe.h"
#include "strongroom/platform_memory.h"
#include "strongroom/readback.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

TEST_CASE("parse_vmflags reads lo, dd, dc and wf among other flags") {
  VmFlags all = parse_vmflags(" rd wr mr mw me lo ac dd dc wf\n");
  CHECK(all.locked && all.dont_dump && all.dont_copy && all.wipe_on_fork);
  VmFlags none = parse_vmflags(" rd wr mr mw me ac\n");
  CHECK(!none.locked && !none.dont_dump && !none.dont_copy && !none.wipe_on_fork);
  VmFlags lookalike = parse_vmflags(" lol ddd wff\n");  // only whole two-letter words count
  CHECK(!lookalike.locked && !lookalike.dont_dump && !lookalike.wipe_on_fork);
}

TEST_CASE("a plain page reads as not locked, a locked one as locked") {
  auto a = platform_memory::allocate(platform_memory::page_size(), 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  RangeFacts plain = query_range(a.value().ptr, a.value().size);
  if (kLinux) {
    CHECK(plain.locked == Fact::No);
    CHECK(plain.dump_excluded == Fact::No);
  }
  if (kDarwin) {
    CHECK(plain.locked == Fact::No);              // user wire count 0
    CHECK(plain.fork_excluded == Fact::No);       // VM_INHERIT_COPY
    CHECK(plain.dump_excluded == Fact::Unknown);  // never claimed on macOS
  }
  REQUIRE_OK(platform_memory::lock(a.value().ptr, a.value().size));
  RangeFacts locked = query_range(a.value().ptr, a.value().size);
  if (kLinux || kDarwin) {
    CHECK(locked.locked == Fact::Yes);
  } else if (kWindows && running_under_wine()) {
    CHECK(locked.locked == Fact::Unknown);  // wine cannot show it: unverified
  } else if (kWindows) {
    CHECK(locked.locked == Fact::Yes);
  } else {
    CHECK(locked.locked == Fact::Unknown);  // no per-range read-back here, so no claim
  }
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, a.value().size));
  // Unlocking must show: a read-back that kept saying Yes (or guessed) would pass above.
  const Fact unlocked = query_range(a.value().ptr, a.value().size).locked;
  if (kLinux || kDarwin) {
    CHECK(unlocked == Fact::No);
  } else if (!kWindows || running_under_wine()) {
    CHECK(unlocked == Fact::Unknown);
  } else {
    CHECK(unlocked != Fact::Yes);  // Windows: No if the page is resident, else Unknown
  }
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("a range that is partly locked is not locked") {
  if (!kLinux && !kDarwin) skip("per-page lock read-back without locking is Linux and macOS only");
  const std::size_t page = platform_memory::page_size();
  auto a = platform_memory::allocate(2 * page, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  REQUIRE_OK(platform_memory::lock(a.value().ptr, page));
  CHECK(query_range(a.value().ptr, page).locked == Fact::Yes);
  CHECK(query_range(a.value().ptr, 2 * page).locked == Fact::No);
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, page));
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("a page reported without a fact settles No, even beside a hole") {
  if (!kLinux && !kDarwin) skip("per-page lock read-back without locking is Linux and macOS only");
  const std::size_t page = platform_memory::page_size();
  auto a = platform_memory::allocate(3 * page, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  auto* first = static_cast<unsigned char*>(a.value().ptr);
  Allocation middle = a.value();
  middle.ptr = first + page;
  middle.size = page;
  REQUIRE_OK(platform_memory::free(middle));  // a hole between two plain pages
  const RangeFacts facts = query_range(first, 3 * page);
  CHECK(facts.locked == Fact::No);                                 // the OS reported unlocked pages: not Unknown
  CHECK(query_range(first + page, page).locked == Fact::Unknown);  // the hole alone
  Allocation rest = a.value();
  rest.size = page;
  REQUIRE_OK(platform_memory::free(rest));
  rest.ptr = first + 2 * page;
  REQUIRE_OK(platform_memory::free(rest));
}

TEST_CASE("an unmapped range is Unknown, never Yes") {
  const std::size_t page = platform_memory::page_size();
  auto a = platform_memory::allocate(page, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  void* p = a.value().ptr;
  REQUIRE_OK(platform_memory::free(a.value()));
  RangeFacts gone = query_range(p, page);
  CHECK(gone.locked != Fact::Yes);
  CHECK(gone.dump_excluded != Fact::Yes);
  if (kLinux) CHECK(gone.locked == Fact::Unknown);
  RangeFacts nothing = query_range(nullptr, 0);
  CHECK(nothing.locked == Fact::Unknown);
}

TEST_CASE("query_no_access: guard pages yes, open pages no, unmapped unknown") {
  auto g = platform_memory::allocate_guarded(100, 1, 1, Protection::ReadWrite);
  REQUIRE_OK(g);
  const std::size_t page = platform_memory::page_size();
  const Fact front = query_no_access(g.value().base, page);
  const Fact back = query_no_access(g.value().data + g.value().data_size, page);
  const Fact data = query_no_access(g.value().data, g.value().data_size);
  const Fact whole = query_no_access(g.value().base, g.value().total_size);
  if (kLinux || kWindows || kDarwin) {
    CHECK(front == Fact::Yes);
    CHECK(back == Fact::Yes);
    CHECK(data == Fact::No);
    CHECK(whole == Fact::No);  // one open page makes the range not sealed
    REQUIRE_OK(platform_memory::protect(g.value().data, g.value().data_size, Protection::NoAccess));
    CHECK(query_no_access(g.value().data, g.value().data_size) == Fact::Yes);
    CHECK(query_no_access(g.value().base, g.value().total_size) == Fact::Yes);
  } else {
    CHECK(front == Fact::Unknown);
  }
  void* base = g.value().base;
  const std::size_t total = g.value().total_size;
  REQUIRE_OK(platform_memory::free_guarded(g.value()));
  CHECK(query_no_access(base, total) != Fact::Yes);
  CHECK(query_no_access(nullptr, 0) == Fact::Unknown);
}

TEST_CASE("process_locked_bytes grows by what we lock") {
  auto before = process_locked_bytes();
  if (!before) {
    CHECK(!kLinux && !kDarwin);
    skip("this OS does not report the process's locked bytes");
  }
  auto a =
      platform_memory::allocate(4 * platform_memory::page_size(), 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  REQUIRE_OK(platform_memory::lock(a.value().ptr, a.value().size));
  CHECK_EQ(*process_locked_bytes(), *before + a.value().size);
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, a.value().size));
  CHECK_EQ(*process_locked_bytes(), *before);
  REQUIRE_OK(platform_memory::free(a.value()));
}

STRONGROOM_TEST_MAIN
