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
  auto a = platform_memory::allocate(4096, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  RangeFacts plain = query_range(a.value().ptr, a.value().size);
  if (kLinux) {
    CHECK(plain.locked == Fact::No);
    CHECK(plain.dump_excluded == Fact::No);
  }
  REQUIRE_OK(platform_memory::lock(a.value().ptr, a.value().size));
  RangeFacts locked = query_range(a.value().ptr, a.value().size);
  if (kLinux) {
    CHECK(locked.locked == Fact::Yes);
  } else if (kWindows && running_under_wine()) {
    CHECK(locked.locked == Fact::Unknown);  // wine cannot show it: unverified
  } else if (kWindows) {
    CHECK(locked.locked == Fact::Yes);
  }
  CHECK(locked.locked != Fact::Yes || !running_under_wine());
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, a.value().size));
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("a range that is partly locked is not locked") {
  if (!kLinux) skip("per-page lock read-back without locking is Linux-only here");
  auto a = platform_memory::allocate(8192, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  REQUIRE_OK(platform_memory::lock(a.value().ptr, 4096));
  CHECK(query_range(a.value().ptr, 4096).locked == Fact::Yes);
  CHECK(query_range(a.value().ptr, 8192).locked == Fact::No);
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, 4096));
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("an unmapped range is Unknown, never Yes") {
  auto a = platform_memory::allocate(4096, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  void* p = a.value().ptr;
  REQUIRE_OK(platform_memory::free(a.value()));
  RangeFacts gone = query_range(p, 4096);
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
  if (kLinux || kWindows) {
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
    CHECK(!kLinux);
    skip("this OS does not report the process's locked bytes");
  }
  auto a = platform_memory::allocate(16384, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  REQUIRE_OK(platform_memory::lock(a.value().ptr, a.value().size));
  CHECK_EQ(*process_locked_bytes(), *before + a.value().size);
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, a.value().size));
  CHECK_EQ(*process_locked_bytes(), *before);
  REQUIRE_OK(platform_memory::free(a.value()));
}

STRONGROOM_TEST_MAIN
