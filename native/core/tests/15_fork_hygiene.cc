// Fork hygiene, observed: a child forked while a secret's pages are open
// (readable in the parent) must not have them. Linux leaves them out with
// MADV_DONTFORK, macOS with minherit(VM_INHERIT_NONE); the child that touches
// the address dies by SIGSEGV or SIGBUS. A plain page, forked the same way,
// stays readable in the child: the control that makes the test falsifiable.
// POSIX only (Windows has no fork).
#include <cstring>
#include <memory>

#include "os_probe.h"
#include "strongroom/memlock.h"
#include "strongroom/platform_memory.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"
#include "sealing_under_test.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

namespace {

// Set by the parent before it forks; the child inherits the pointers (they
// live in ordinary memory), not necessarily the pages they point to.
const unsigned char* g_target = nullptr;

void read_target() {
  if (g_target == nullptr) return;  // exits cleanly: reported as "did not crash"
  (void)*static_cast<const volatile unsigned char*>(g_target);
}

}  // namespace

CHILD_CASE("read the parent's page") {
  read_target();
}

TEST_CASE("control: a plain page is inherited, the child reads it") {
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  std::memset(a.value().ptr, 0x5A, a.value().size);
  g_target = static_cast<const unsigned char*>(a.value().ptr);
  ChildOutcome outcome = run_child_case("read the parent's page");
  CHECK(outcome.exited_cleanly);
  if (!outcome.exited_cleanly) std::printf("    the child: %s\n", outcome.description.c_str());
  g_target = nullptr;
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("a secure allocation (read-write in the parent) is absent from a forked child") {
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Secure);
  REQUIRE_OK(a);
  REQUIRE(a.value().fork_excluded);
  std::memset(a.value().ptr, 0x5A, a.value().size);
  CHECK(query_range(a.value().ptr, a.value().size).fork_excluded == Fact::Yes);
  g_target = static_cast<const unsigned char*>(a.value().ptr);
  EXPECT_CHILD_CRASHES("read the parent's page");
  g_target = nullptr;
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("the per-OS wrapper alone keeps a page from the child") {
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  void* ptr = a.value().ptr;
  const std::size_t size = a.value().size;
  // madvise_dontfork on Linux, minherit_none on macOS; the other says Unsupported.
  Status excluded = kLinux ? madvise_dontfork(ptr, size) : minherit_none(ptr, size);
  REQUIRE_OK(excluded);
  Status other = kLinux ? minherit_none(ptr, size) : madvise_dontfork(ptr, size);
  CHECK(!other.ok() && other.error().code == ErrorCode::Unsupported);
  CHECK(query_range(ptr, size).fork_excluded == Fact::Yes);
  g_target = static_cast<const unsigned char*>(ptr);
  EXPECT_CHILD_CRASHES("read the parent's page");
  g_target = nullptr;
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("an isolated secret, open for reading, is absent from a child forked in the scope") {
  auto created = ProtectedRegion::create(32, region_options_under_test());
  REQUIRE_OK(created);
  std::unique_ptr<ProtectedRegion> region = std::move(created.value());
  REQUIRE_OK(region->with_write([](std::uint8_t* bytes, std::size_t n) { std::memset(bytes, 0x5A, n); }));
  CHECK(region->fork_excluded());
  CHECK(query_range(region->data_address(), region->data_pages_size()).fork_excluded == Fact::Yes);
  REQUIRE_OK(region->with_read([](const std::uint8_t* bytes, std::size_t) {
    g_target = bytes;
    EXPECT_CHILD_CRASHES("read the parent's page");
    g_target = nullptr;
  }));
}

TEST_CASE("a pooled secret, open for reading, is absent from a child forked in the scope") {
  PoolOptions options = pool_options_under_test();
  options.arena_size = 4 * platform_memory::page_size();
  auto created = Pool::create(options);
  REQUIRE_OK(created);
  std::unique_ptr<Pool> pool = std::move(created.value());
  auto chunk = pool->allocate(32);
  REQUIRE_OK(chunk);
  REQUIRE_OK(pool->with_write(chunk.value(), [](std::uint8_t* bytes, std::size_t n) { std::memset(bytes, 0x5A, n); }));
  auto info = pool->inspect(chunk.value());
  REQUIRE_OK(info);
  CHECK(info.value().facts.fork_excluded == Fact::Yes);
  REQUIRE_OK(pool->with_read(chunk.value(), [](const std::uint8_t* bytes, std::size_t) {
    g_target = bytes;
    EXPECT_CHILD_CRASHES("read the parent's page");
    g_target = nullptr;
  }));
  REQUIRE_OK(pool->free(chunk.value()));
}

STRONGROOM_TEST_MAIN
