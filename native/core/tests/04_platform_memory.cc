// Platform memory: allocation types, six protection levels, lock/unlock, guard pages.
#include <cstdint>
#include <cstring>

#include "os_probe.h"
#include "strongroom/platform_memory.h"
#include "strongroom/readback.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

namespace {

struct Level {
  Protection protection;
  const char* letters;  // what the OS must report
};

const Level kLevels[] = {
    {Protection::NoAccess, "---"}, {Protection::ReadOnly, "r--"},    {Protection::ReadWrite, "rw-"},
    {Protection::Execute, "--x"},  {Protection::ReadExecute, "r-x"}, {Protection::ReadWriteExecute, "rwx"},
};

}  // namespace

TEST_CASE("allocate rejects zero size, bad alignment and unknown enums") {
  auto zero = platform_memory::allocate(0, 8, Protection::ReadWrite, AllocationType::Regular);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  auto odd = platform_memory::allocate(64, 3, Protection::ReadWrite, AllocationType::Regular);
  CHECK(!odd.ok() && odd.error().code == ErrorCode::InvalidArgument);
  auto huge_align =
      platform_memory::allocate(64, platform_memory::page_size() * 2, Protection::ReadWrite, AllocationType::Regular);
  CHECK(!huge_align.ok() && huge_align.error().code == ErrorCode::InvalidArgument);
  auto bad_prot = platform_memory::allocate(64, 8, static_cast<Protection>(42), AllocationType::Regular);
  CHECK(!bad_prot.ok() && bad_prot.error().code == ErrorCode::InvalidArgument);
  auto bad_type = platform_memory::allocate(64, 8, Protection::ReadWrite, static_cast<AllocationType>(42));
  CHECK(!bad_type.ok() && bad_type.error().code == ErrorCode::InvalidArgument);
  auto overflow =
      platform_memory::allocate(static_cast<std::size_t>(-1), 8, Protection::ReadWrite, AllocationType::Regular);
  CHECK(!overflow.ok() && overflow.error().code == ErrorCode::InvalidSize);
}

TEST_CASE("regular allocation: whole pages, zeroed, writable") {
  auto a = platform_memory::allocate(100, 16, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  CHECK_EQ(a.value().size, platform_memory::page_size());
  CHECK_EQ(reinterpret_cast<std::uintptr_t>(a.value().ptr) % platform_memory::page_size(), std::uintptr_t{0});
  unsigned char* p = static_cast<unsigned char*>(a.value().ptr);
  bool zero = true;
  for (std::size_t i = 0; i < a.value().size; ++i) zero = zero && p[i] == 0;
  CHECK(zero);
  std::memset(p, 0x5A, a.value().size);
  CHECK(p[a.value().size - 1] == 0x5A);
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("every protection level round-trips through the OS") {
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  void* p = a.value().ptr;
  if (os_protection(p) == "?") skip("this OS has no protection read-back in the tests");
  for (const Level& level : kLevels) {
    REQUIRE_OK(platform_memory::protect(p, 1, level.protection));
    std::string seen = os_protection(p);
    if (seen != level.letters) {
      report_failure(__FILE__, __LINE__, std::string(protection_name(level.protection)) + ": OS reports " + seen);
    }
  }
  // And each level is also accepted at allocation time.
  for (const Level& level : kLevels) {
    auto b = platform_memory::allocate(1, 8, level.protection, AllocationType::Regular);
    REQUIRE_OK(b);
    CHECK_EQ(os_protection(b.value().ptr), std::string(level.letters));
    REQUIRE_OK(platform_memory::free(b.value()));
  }
  REQUIRE_OK(platform_memory::protect(p, 1, Protection::ReadWrite));
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("protect refuses a null or unaligned address") {
  CHECK(platform_memory::protect(nullptr, 1, Protection::ReadOnly).error().code == ErrorCode::InvalidArgument);
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  Status unaligned = platform_memory::protect(static_cast<char*>(a.value().ptr) + 1, 1, Protection::ReadOnly);
  CHECK(!unaligned.ok() && unaligned.error().code == ErrorCode::InvalidArgument);
  REQUIRE_OK(platform_memory::free(a.value()));
}

// Child cases run in a fresh process on Windows (a re-run of this executable),
// so each one sets up its own memory before the access that must fault.
namespace {
unsigned char* fresh_page(Protection protection) {
  auto a = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  if (!a.ok()) return nullptr;
  unsigned char* p = static_cast<unsigned char*>(a.value().ptr);
  p[0] = 7;
  if (!platform_memory::protect(p, 1, protection).ok()) return nullptr;
  return p;
}
}  // namespace

CHILD_CASE("write to a ReadOnly page") {
  unsigned char* p = fresh_page(Protection::ReadOnly);
  if (p != nullptr && p[0] == 7) *static_cast<volatile unsigned char*>(p) = 1;
}
CHILD_CASE("read a NoAccess page") {
  unsigned char* p = fresh_page(Protection::NoAccess);
  if (p != nullptr) (void)*static_cast<volatile unsigned char*>(p);
}
CHILD_CASE("read a page protected NoAccess after use") {
  unsigned char* p = fresh_page(Protection::ReadWrite);
  if (p == nullptr || p[0] != 7) return;
  if (!platform_memory::protect(p, 1, Protection::NoAccess).ok()) return;
  (void)*static_cast<volatile unsigned char*>(p);
}

TEST_CASE("ReadOnly stops writes and NoAccess stops reads (the child dies)") {
  EXPECT_CHILD_CRASHES("write to a ReadOnly page");
  EXPECT_CHILD_CRASHES("read a NoAccess page");
  EXPECT_CHILD_CRASHES("read a page protected NoAccess after use");
  // And protection changes keep the bytes.
  unsigned char* p = fresh_page(Protection::ReadOnly);
  REQUIRE(p != nullptr);
  CHECK(p[0] == 7);
  REQUIRE_OK(platform_memory::protect(p, 1, Protection::NoAccess));
  REQUIRE_OK(platform_memory::protect(p, 1, Protection::ReadWrite));
  CHECK(p[0] == 7);
  Allocation a;
  a.ptr = p;
  a.size = platform_memory::page_size();
  REQUIRE_OK(platform_memory::free(a));
}

TEST_CASE("secure allocation: locked, and the OS confirms it where it can") {
  auto a = platform_memory::allocate(100, 8, Protection::ReadWrite, AllocationType::Secure);
  REQUIRE_OK(a);
  CHECK(a.value().locked);
  RangeFacts facts = query_range(a.value().ptr, a.value().size);
  if (kLinux) {
    CHECK(a.value().dump_excluded && a.value().fork_excluded);
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
  } else if (kDarwin) {
    // The user wire count and VM_INHERIT_NONE, read back; no dump exclusion exists.
    CHECK(a.value().fork_excluded && !a.value().dump_excluded);
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Unknown);
  } else if (kWindows && running_under_wine()) {
    // wine's QueryWorkingSetEx never reports Locked: unverifiable, not false.
    CHECK(facts.locked == Fact::Unknown);
    std::printf("    wine: WerRegisterExcludedMemoryBlock %s\n", a.value().dump_excluded ? "accepted" : "unavailable");
  } else if (kWindows) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(a.value().dump_excluded);  // WER exclusion, Windows 10 1703 and later
  }
  if (kWindows) CHECK(facts.dump_excluded == Fact::Unknown);  // WER cannot be read back
  std::memset(a.value().ptr, 0xEE, 100);
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("lock and unlock an allocation explicitly") {
  auto a = platform_memory::allocate(platform_memory::page_size(), 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  REQUIRE_OK(platform_memory::lock(a.value().ptr, a.value().size));
  if (kLinux || kDarwin) CHECK(query_range(a.value().ptr, a.value().size).locked == Fact::Yes);
  REQUIRE_OK(platform_memory::unlock(a.value().ptr, a.value().size));
  if (kLinux || kDarwin) CHECK(query_range(a.value().ptr, a.value().size).locked == Fact::No);
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("large pages: granted, or the fallback is reported and usable") {
  const std::size_t page = platform_memory::page_size();
  auto a = platform_memory::allocate(page, 8, Protection::ReadWrite, AllocationType::LargePage);
  REQUIRE_OK(a);
  if (!a.value().large_pages) {
    CHECK_EQ(a.value().size, platform_memory::page_size());
  } else {
    CHECK(a.value().size >= 2u * 1024 * 1024);
  }
  std::memset(a.value().ptr, 1, page);
  REQUIRE_OK(platform_memory::free(a.value()));
}

TEST_CASE("secure_clear zeroes the range") {
  auto a = platform_memory::allocate(64, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(a);
  unsigned char* p = static_cast<unsigned char*>(a.value().ptr);
  std::memset(p, 0xCC, 64);
  REQUIRE_OK(platform_memory::secure_clear(p, 64));
  bool zero = true;
  for (int i = 0; i < 64; ++i) zero = zero && p[i] == 0;
  CHECK(zero);
  CHECK(platform_memory::secure_clear(nullptr, 1).error().code == ErrorCode::InvalidArgument);
  REQUIRE_OK(platform_memory::free(a.value()));
}

namespace {
// More than one page and less than two, whatever the page size: two data pages.
std::size_t one_and_a_quarter_pages() {
  return platform_memory::page_size() + platform_memory::page_size() / 4;
}
GuardedAllocation make_guarded() {
  auto a = platform_memory::allocate_guarded(one_and_a_quarter_pages(), 2, 3, Protection::ReadWrite);
  return a.ok() ? a.value() : GuardedAllocation();
}
void touch(unsigned char* p) {
  if (p != nullptr) *static_cast<volatile unsigned char*>(p) = 1;
}
}  // namespace

CHILD_CASE("touch the first front guard page") {
  GuardedAllocation g = make_guarded();
  if (g.base != nullptr) touch(static_cast<unsigned char*>(g.base));
}
CHILD_CASE("touch the byte before the data") {
  GuardedAllocation g = make_guarded();
  if (g.data != nullptr) touch(g.data - 1);
}
CHILD_CASE("touch the byte after the data") {
  GuardedAllocation g = make_guarded();
  if (g.data != nullptr) touch(g.data + g.data_size);
}
CHILD_CASE("touch the last back guard byte") {
  GuardedAllocation g = make_guarded();
  if (g.base != nullptr) touch(static_cast<unsigned char*>(g.base) + g.total_size - 1);
}

TEST_CASE("guarded allocation: N guard pages before and M after, all no-access") {
  auto a = platform_memory::allocate_guarded(one_and_a_quarter_pages(), 2, 3, Protection::ReadWrite);
  REQUIRE_OK(a);
  GuardedAllocation g_guarded = a.value();
  const std::size_t page = platform_memory::page_size();
  CHECK_EQ(g_guarded.data_size, 2 * page);
  CHECK_EQ(g_guarded.total_size, 7 * page);
  CHECK(g_guarded.data == static_cast<unsigned char*>(g_guarded.base) + 2 * page);
  // Guards and data start on page boundaries, so protect() accepts them.
  CHECK_EQ(reinterpret_cast<std::uintptr_t>(g_guarded.base) % page, std::uintptr_t{0});
  std::memset(g_guarded.data, 0x11, g_guarded.data_size);  // data is usable end to end
  if (os_protection(g_guarded.base) != "?") {
    CHECK_EQ(os_protection(g_guarded.base), std::string("---"));
    CHECK_EQ(os_protection(g_guarded.data - 1), std::string("---"));
    CHECK_EQ(os_protection(g_guarded.data + g_guarded.data_size), std::string("---"));
    CHECK_EQ(os_protection(g_guarded.data), std::string("rw-"));
    CHECK_EQ(os_protection(g_guarded.data + g_guarded.data_size - 1), std::string("rw-"));
    // The whole of the last guard page, not only its first OS page.
    CHECK_EQ(os_protection(static_cast<unsigned char*>(g_guarded.base) + g_guarded.total_size - 1), std::string("---"));
  }
  EXPECT_CHILD_CRASHES("touch the first front guard page");
  EXPECT_CHILD_CRASHES("touch the byte before the data");
  EXPECT_CHILD_CRASHES("touch the byte after the data");
  EXPECT_CHILD_CRASHES("touch the last back guard byte");
  REQUIRE_OK(platform_memory::free_guarded(g_guarded));
}

TEST_CASE("guarded allocation rejects zero and overflowing sizes") {
  auto zero = platform_memory::allocate_guarded(0, 1, 1, Protection::ReadWrite);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  auto big = platform_memory::allocate_guarded(64, static_cast<std::size_t>(-1) / 2, 1, Protection::ReadWrite);
  CHECK(!big.ok() && big.error().code == ErrorCode::InvalidSize);
}

STRONGROOM_TEST_MAIN
