// The memlock wrappers: thin, zero length is a no-op, errors keep errno.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "os_probe.h"
#include "strongroom/memlock.h"
#include "strongroom/platform_memory.h"
#include "strongroom/readback.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

TEST_CASE("zero-length calls succeed without touching memory") {
  CHECK(mlock(nullptr, 0).ok());
  CHECK(munlock(nullptr, 0).ok());
  CHECK(madvise_dontdump(nullptr, 0).ok());
  CHECK(madvise_dontfork(nullptr, 0).ok());
  CHECK(madvise_wipeonfork(nullptr, 0).ok());
  CHECK(madvise_hugepage(nullptr, 0).ok());
}

TEST_CASE("mlock then munlock: the OS shows the page locked, then unlocked") {
  Result<Allocation> page = platform_memory::allocate(1, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(page);
  void* ptr = page.value().ptr;
  Status locked = mlock(ptr, 1);
  if (kWindows) {
    // The wrappers are POSIX calls; Windows locking is platform_memory::lock.
    CHECK(!locked.ok());
    CHECK(locked.error().code == ErrorCode::Unsupported);
  } else {
    REQUIRE_OK(locked);
    // smaps `lo` on Linux, the entry's user wire count on macOS.
    if (kLinux || kDarwin) CHECK(query_range(ptr, 1).locked == Fact::Yes);
    // Locked pages stay ordinary memory: written and read back in place.
    auto* bytes = static_cast<unsigned char*>(ptr);
    const std::size_t size = page.value().size;
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(i * 7);
    bool intact = true;
    for (std::size_t i = 0; i < size; ++i) intact = intact && bytes[i] == static_cast<unsigned char>(i * 7);
    CHECK(intact);
    REQUIRE_OK(munlock(ptr, 1));
    if (kLinux || kDarwin) CHECK(query_range(ptr, 1).locked == Fact::No);
    CHECK(bytes[size - 1] == static_cast<unsigned char>((size - 1) * 7));
  }
  REQUIRE_OK(platform_memory::free(page.value()));
}

TEST_CASE("madvise_dontdump and dontfork show as dd and dc in smaps") {
  Result<Allocation> page =
      platform_memory::allocate(platform_memory::page_size(), 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(page);
  void* ptr = page.value().ptr;
  Status dump = madvise_dontdump(ptr, page.value().size);
  Status fork = madvise_dontfork(ptr, page.value().size);
  Status wipe = madvise_wipeonfork(ptr, page.value().size);
  if (kLinux) {
    REQUIRE_OK(dump);
    REQUIRE_OK(fork);
    REQUIRE_OK(wipe);
    RangeFacts facts = query_range(ptr, page.value().size);
    CHECK(facts.dump_excluded == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(facts.wipe_on_fork == Fact::Yes);
  } else {
    // Windows has no madvise; macOS has no per-region dump exclusion and
    // keeps forks out with minherit_none instead (15_fork_hygiene). Both say
    // Unsupported, never a silent ok.
    REQUIRE(!dump.ok() && !fork.ok() && !wipe.ok());
    CHECK(dump.error().code == ErrorCode::Unsupported);
    CHECK(fork.error().code == ErrorCode::Unsupported);
    CHECK(wipe.error().code == ErrorCode::Unsupported);
    // The refused advice left the range usable.
    std::memset(ptr, 0x3C, page.value().size);
    CHECK(static_cast<unsigned char*>(ptr)[page.value().size - 1] == 0x3C);
  }
  REQUIRE_OK(platform_memory::free(page.value()));
}

// The VmFlags line of the /proc/self/smaps entry that starts at `ptr`.
static std::string smaps_flags(const void* ptr) {
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", static_cast<unsigned long>(reinterpret_cast<std::uintptr_t>(ptr)));
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    if (line.rfind(start, 0) == 0) inside = true;
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

TEST_CASE("madvise_hugepage shows as hg in smaps where the kernel has transparent huge pages") {
  Result<Allocation> page =
      platform_memory::allocate(platform_memory::page_size(), 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(page);
  void* ptr = page.value().ptr;
  Status advised = madvise_hugepage(ptr, page.value().size);
  if (kLinux && std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good()) {
    REQUIRE_OK(advised);
    CHECK(smaps_flags(ptr).find(" hg") != std::string::npos);
  } else if (!kLinux) {
    REQUIRE(!advised.ok());
    CHECK(advised.error().code == ErrorCode::Unsupported);
  }
  REQUIRE_OK(platform_memory::free(page.value()));
}

TEST_CASE("OS failures keep errno and the syscall name") {
  if (kWindows) skip("the POSIX wrappers are Unsupported on Windows (checked above)");
  // Unmapped memory: reserve two pages, give one back, lock the hole.
  const std::size_t page = platform_memory::page_size();
  Result<Allocation> pages = platform_memory::allocate(2 * page, 8, Protection::ReadWrite, AllocationType::Regular);
  REQUIRE_OK(pages);
  REQUIRE(pages.value().size == 2 * page);
  unsigned char* base = static_cast<unsigned char*>(pages.value().ptr);
  Allocation tail = pages.value();
  tail.ptr = base + page;
  tail.size = pages.value().size - page;
  REQUIRE_OK(platform_memory::free(tail));

  Status locked = mlock(base + page, page);
  REQUIRE(!locked.ok());
  CHECK_EQ(locked.error().os_error, ENOMEM);
  CHECK(std::strcmp(locked.error().syscall, "mlock") == 0);
  CHECK(locked.error().message.find("mlock") != std::string::npos);

  Status advised = madvise_dontdump(base + 1, page);  // not page aligned
  REQUIRE(!advised.ok());
  CHECK_EQ(advised.error().os_error, EINVAL);
  CHECK(std::strcmp(advised.error().syscall, "madvise") == 0);

  Allocation head = pages.value();
  head.size = page;
  REQUIRE_OK(platform_memory::free(head));
}

STRONGROOM_TEST_MAIN
