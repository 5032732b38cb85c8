// The pool under a real lock budget: an unprivileged child with
// RLIMIT_MEMLOCK = 64 KiB. The first arena is capped to the budget so it
// locks; the OS confirms every chunk in it locked; past the budget, Require
// fails with LockFailed and BestEffort hands out chunks the OS says are not
// locked.
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "os_probe.h"
#include "strongroom/memlock.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/readback.h"
#include "posix_limited.h"
#include "sealing_under_test.h"
#include "test.h"

using namespace strongroom;

namespace {

constexpr std::size_t kLimit = 64 * 1024;

std::string limited_child_body() {
  std::string failures;
  auto fail = [&failures](const std::string& what) { failures += what + "; "; };

  PoolOptions options = strongroom_test::pool_options_under_test();  // 256 KiB arenas: four times the budget
  auto created = Pool::create(options);
  if (!created.ok()) return "Pool::create failed";
  Pool& pool = *created.value();
  std::vector<PoolChunk> chunks;
  Error refusal;
  for (;;) {
    auto chunk = pool.allocate(32);
    if (!chunk.ok()) {
      refusal = chunk.error();
      break;
    }
    if (!pool.fill_random(chunk.value()).ok()) fail("fill_random failed");
    chunks.push_back(chunk.value());
    if (chunks.size() > kLimit) break;
  }
  // Kernel copy locks one scratch page of the budget for its scopes first.
  const std::size_t scratch = pool.sealing() == Sealing::KernelCopy ? page_size() : 0;
  const std::size_t arena_budget = kLimit - scratch;
  const std::size_t expected = arena_budget / pool_slot_size(32);  // 1,638 without a scratch page
  if (chunks.size() != expected) {
    fail("expected " + std::to_string(expected) + " chunks in the capped arena, got " + std::to_string(chunks.size()));
  }
  if (refusal.code != ErrorCode::LockFailed) fail("the refusal should be LockFailed: " + refusal.message);
  PoolStats stats = pool.stats(true);
  if (stats.arenas != 1 || stats.total != arena_budget) fail("one arena of exactly the budget");
  // smaps and VmLck on Linux; wire counts and wired bytes on macOS.
  if (strongroom_test::kLinux || strongroom_test::kDarwin) {
    if (!stats.locked || *stats.locked != arena_budget) fail("the OS should say the arena is locked");
    if (!stats.chunks_locked || *stats.chunks_locked != expected) fail("every chunk OS-verified locked");
    auto vmlck = process_locked_bytes();
    if (!vmlck || *vmlck != kLimit) fail("VmLck should equal the budget");
  }

  PoolOptions best_effort_options = strongroom_test::pool_options_under_test();
  best_effort_options.lock_policy = LockPolicy::BestEffort;
  best_effort_options.arena_size = 16 * 1024;
  auto best_effort = Pool::create(best_effort_options);
  if (!best_effort.ok()) return failures + "best-effort Pool::create failed";
  auto extra = best_effort.value()->allocate(32);
  if (!extra.ok()) {
    fail("best effort should still allocate: " + extra.error().message);
  } else {
    auto info = best_effort.value()->inspect(extra.value());
    if (!info.ok() || info.value().locked) fail("best-effort chunk should say locked = false");
    if ((strongroom_test::kLinux || strongroom_test::kDarwin) && info.ok() && info.value().facts.locked != Fact::No) {
      fail("OS should say not locked");
    }
    if (!best_effort.value()->fill_random(extra.value()).ok()) fail("unlocked chunk still usable");
  }
  for (PoolChunk chunk : chunks) {
    if (!pool.free(chunk).ok()) fail("free failed");
  }
  return failures;
}

}  // namespace

TEST_CASE("RLIMIT_MEMLOCK = 64 KiB, unprivileged child: first arena capped and OS-verified") {
  strongroom_test::run_memlock_limited(kLimit, limited_child_body);
}

STRONGROOM_TEST_MAIN
