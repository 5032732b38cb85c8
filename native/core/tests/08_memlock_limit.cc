// A child without CAP_IPC_LOCK and with RLIMIT_MEMLOCK = 64 KiB: the page
// allocator still maps, and make_secure says locked = false; a region that requires
// locking fails with the mlock error and leaks nothing; best effort works.
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "strongroom/locked_page_allocator.h"
#include "strongroom/log.h"
#include "strongroom/memlock.h"
#include "strongroom/platform_memory.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"
#include "os_probe.h"
#include "posix_limited.h"
#include "sealing_under_test.h"
#include "test.h"

using namespace strongroom;
using strongroom_test::mapping_count;
using strongroom_test::sealing_under_test;

namespace {

constexpr std::size_t kLimit = 64 * 1024;

std::vector<std::string> g_warnings;
void record(LogLevel level, const char* message, void*) {
  if (level == LogLevel::Warn) g_warnings.emplace_back(message);
}

// Returns "" when every fact held, else what went wrong.
std::string limited_child_body() {
  std::string failures;
  auto fail = [&failures](const std::string& what) { failures += what + "; "; };

  LockedPageAllocator& pages = os_locked_page_allocator();
  auto limit = pages.limit();
  if (!limit || *limit != kLimit) fail("limit() should be 64 KiB");

  set_log_hook(&record, nullptr);
  auto big = pages.allocate_guarded(2 * kLimit, Protection::ReadWrite);
  if (!big.ok()) {
    fail("allocate_guarded should still map: " + big.error().message);
  } else {
    const GuardedAllocation memory = big.value();
    SecureAttributes secure = pages.make_secure(memory.data, memory.data_size);
    if (secure.locked) fail("make_secure over the limit should report locked = false");
    if (secure.lock_error.code != ErrorCode::LockFailed) fail("the refused lock should be LockFailed");
    if (g_warnings.empty()) fail("a refused lock should be logged as a warning");
    if (!secure.dump_excluded) fail("the exclusions should still hold when the lock is refused");
    if (query_range(memory.data, memory.data_size).locked != Fact::No) fail("OS should say not locked");
    std::memset(memory.data, 0x77, memory.data_size);  // still usable memory
    std::memset(memory.data, 0, memory.data_size);
    if (!pages.free_guarded(memory).ok()) fail("free_guarded should unmap");
  }
  set_log_hook(nullptr, nullptr);

  int maps_before = mapping_count();
  auto required = ProtectedRegion::create(2 * kLimit, strongroom_test::region_options_under_test());
  if (required.ok()) {
    fail("a region over the budget with LockPolicy::Require must fail");
  } else {
    const Error& e = required.error();
    if (e.code != ErrorCode::LockFailed) fail("code should be LockFailed: " + e.message);
    // Kernel copy locks its never-opened pages with mlock2(MLOCK_ONFAULT).
    const char* lock_call = sealing_under_test() == SealingPreference::KernelCopy ? "mlock2" : "mlock";
    const bool either = sealing_under_test() == SealingPreference::Auto;
    if (e.syscall == nullptr ||
        (std::strcmp(e.syscall, lock_call) != 0 && !(either && std::strcmp(e.syscall, "mlock2") == 0))) {
      fail(std::string("syscall should be ") + lock_call + ", not " + (e.syscall ? e.syscall : "none"));
    }
    if (e.os_error != ENOMEM && e.os_error != EPERM) fail("errno should be ENOMEM or EPERM");
  }
  if (mapping_count() != maps_before) fail("the failed region leaked a mapping");

  RegionOptions best_effort = strongroom_test::region_options_under_test();
  best_effort.lock_policy = LockPolicy::BestEffort;
  auto degraded = ProtectedRegion::create(2 * kLimit, best_effort);
  if (!degraded.ok()) {
    fail("best effort should allocate: " + degraded.error().message);
  } else {
    if (degraded.value()->locked()) fail("best-effort region should say locked = false");
    Status filled = degraded.value()->fill_random();
    if (!filled.ok()) fail("best-effort region should be usable");
  }

  // A small region still fits in the budget and locks.
  auto small = ProtectedRegion::create(32, strongroom_test::region_options_under_test());
  if (!small.ok() || !small.value()->locked()) fail("a 32-byte region should lock within 64 KiB");
  return failures;
}

}  // namespace

TEST_CASE("RLIMIT_MEMLOCK = 64 KiB, unprivileged child") {
  strongroom_test::run_memlock_limited(kLimit, limited_child_body);
}

STRONGROOM_TEST_MAIN
