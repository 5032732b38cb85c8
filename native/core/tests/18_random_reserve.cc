// The random reserve: CSPRNG bytes in a locked, sealed page, refilled in one
// OS call per page and wiped as they are drawn. Each fact is observed: the
// page's contents read back through its gate, its protection in the OS's
// maps, the system calls a draw makes, and what a forked child finds at the
// page's address. POSIX only (the fork); the sealing method is the one under
// test unless a case forces one.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "os_probe.h"
#include "sealing_under_test.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/random_reserve.h"
#include "strongroom/readback.h"
#include "test.h"

#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if !defined(_WIN32)
#include <sys/mman.h>
#endif

using namespace strongroom;
using namespace strongroom_test;

namespace {

std::unique_ptr<RandomReserve> make_reserve(SealingPreference preference) {
  Result<SealingChoice> choice = choose_sealing(preference);
  if (!choice) skip(std::string("sealing unavailable: ") + choice.error().message);
  auto made = RandomReserve::create(choice.value().sealing, choice.value().pkey, LockPolicy::Require);
  REQUIRE_OK(made);
  return std::move(made.value());
}

std::vector<unsigned char> page_of(const RandomReserve& reserve) {
  std::vector<unsigned char> page(reserve.memory().data_size);
  REQUIRE_OK(reserve.copy_for_testing(page.data()));
  return page;
}

bool contains(const std::vector<unsigned char>& haystack, const unsigned char* needle, std::size_t n) {
  return std::search(haystack.begin(), haystack.end(), needle, needle + n) != haystack.end();
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace

TEST_CASE("the page is locked, out of dumps, kept from forked children and sealed, as the OS says") {
  auto reserve = make_reserve(sealing_under_test());
  unsigned char first[32];
  REQUIRE_OK(reserve->draw(first, sizeof first));
  const GuardedAllocation& m = reserve->memory();
  CHECK(reserve->locked());
  CHECK(reserve->fork_wiped());
  RangeFacts facts = query_range(m.data, m.data_size);
  CHECK(facts.locked == Fact::Yes);
  CHECK(facts.dump_excluded == Fact::Yes);
  if (reserve->sealing() == Sealing::Pkey) {
    CHECK_EQ(protection_key_of(m.data), choose_sealing(SealingPreference::Pkey).value().pkey);
  } else {
    CHECK_EQ(os_protection(m.data), std::string("---"));
  }
  CHECK_EQ(os_protection(m.base), std::string("---"));
  CHECK_EQ(os_protection(m.data + m.data_size), std::string("---"));
}

TEST_CASE("draws are random, differ, and a page is refilled in one OS call") {
  auto reserve = make_reserve(sealing_under_test());
  const std::size_t draws = reserve->capacity() / 32 * 3 + 5;
  std::vector<std::vector<unsigned char>> seen;
  for (std::size_t i = 0; i < draws; ++i) {
    std::vector<unsigned char> bytes(32);
    REQUIRE_OK(reserve->draw(bytes.data(), bytes.size()));
    CHECK(bytes != std::vector<unsigned char>(32, 0));
    seen.push_back(bytes);
  }
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  // capacity / 32 draws per page: four refills for three pages and a bit.
  CHECK_EQ(reserve->refills(), std::size_t{4});
  // Larger than a draw may be: straight from the OS, the reserve untouched.
  std::vector<unsigned char> large(kMaxReserveDraw + 1);
  REQUIRE_OK(reserve->draw(large.data(), large.size()));
  CHECK_EQ(reserve->refills(), std::size_t{4});
  CHECK(large != std::vector<unsigned char>(large.size(), 0));
}

TEST_CASE("bytes drawn are wiped in the reserve, the rest stays random") {
  auto reserve = make_reserve(sealing_under_test());
  unsigned char a[32], b[17];
  REQUIRE_OK(reserve->draw(a, sizeof a));
  REQUIRE_OK(reserve->draw(b, sizeof b));
  std::vector<unsigned char> page = page_of(*reserve);
  CHECK(!contains(page, a, sizeof a));
  CHECK(!contains(page, b, sizeof b));
  // The drawn bytes sit right after the 8-byte tag: zeros now.
  CHECK(std::all_of(page.begin() + 8, page.begin() + 8 + 49, [](unsigned char c) { return c == 0; }));
  // Control: the undrawn bytes are the random ones (a wipe of the whole page
  // would pass the checks above too).
  std::size_t nonzero = std::count_if(page.begin() + 8 + 49, page.end(), [](unsigned char c) { return c != 0; });
  CHECK(nonzero > (page.size() - 57) * 9 / 10);
  // And the next draw hands out exactly the bytes that were there.
  std::vector<unsigned char> expected(page.begin() + 57, page.begin() + 57 + 32);
  unsigned char c[32];
  REQUIRE_OK(reserve->draw(c, sizeof c));
  CHECK(std::vector<unsigned char>(c, c + 32) == expected);
}

#if defined(__linux__)
namespace {

RandomReserve* g_counted = nullptr;

void prepare_kernel_copy_reserve() {
  Result<SealingChoice> choice = choose_sealing(SealingPreference::KernelCopy);
  if (!choice) std::_Exit(2);
  auto made = RandomReserve::create(choice.value().sealing, choice.value().pkey, LockPolicy::Require);
  if (!made) std::_Exit(3);
  g_counted = made.value().release();
  unsigned char bytes[32];
  if (!g_counted->draw(bytes, sizeof bytes).ok()) std::_Exit(4);  // the first refill
}

void draw_from_kernel_copy_reserve() {
  unsigned char bytes[32];
  for (int i = 0; i < 100; ++i) {
    if (!g_counted->draw(bytes, sizeof bytes).ok()) std::_Exit(5);
  }
}

}  // namespace
#endif

TEST_CASE("under kernel copy the page is never opened: draws are kernel reads and wipes, no mprotect") {
  if (!kernel_copy_available()) skip("no kernel copy here: " + kernel_copy_available().error().message);
#if defined(__linux__)
  SystemCallCount count = count_system_calls(prepare_kernel_copy_reserve, draw_from_kernel_copy_reserve);
  if (!count.counted) {
    if (running_in_ci() || count.reason.find("seccomp") == std::string::npos) {
      report_failure(__FILE__, __LINE__, "could not count system calls: " + count.reason);
      return;
    }
    skip(count.reason);
  }
  for (long call : count.distinct) {
    if (call != SYS_pread64 && call != SYS_pwrite64 && call != SYS_pwritev) {
      report_failure(__FILE__, __LINE__, "a draw made system call " + std::to_string(call) + ": " + count.numbers);
    }
  }
  CHECK(count.calls > 0);  // the bytes did move, through the kernel
#endif
  auto reserve = make_reserve(SealingPreference::KernelCopy);
  for (std::size_t i = 0; i < reserve->capacity() / 32 + 3; ++i) {
    unsigned char bytes[32];
    REQUIRE_OK(reserve->draw(bytes, sizeof bytes));
  }
  CHECK_EQ(reserve->refills(), std::size_t{2});
  CHECK_EQ(os_protection(reserve->memory().data), std::string("---"));
  CHECK(query_range(reserve->memory().data, reserve->memory().data_size).locked == Fact::Yes);
}

#if !defined(_WIN32)  // Windows has no fork
namespace {

// Set by the parent before it forks; the child inherits these (ordinary
// memory), and the reserve's page only as the OS hands it over.
unsigned char* g_reserve_page = nullptr;
std::size_t g_reserve_size = 0;
std::vector<unsigned char>* g_parent_view = nullptr;
RandomReserve* g_forked_reserve = nullptr;

}  // namespace

// Exits 0 when the child sees none of the parent's reserve bytes, 3 when its
// page holds them, 4 when its next draw hands out what the parent would.
CHILD_CASE("look at the reserve's page after fork") {
  if (::mprotect(g_reserve_page, g_reserve_size, PROT_READ) != 0) std::_Exit(6);
  const std::vector<unsigned char>& parent = *g_parent_view;
  for (std::size_t i = 0; i < g_reserve_size; ++i) {
    if (g_reserve_page[i] != 0 && g_reserve_page[i] == parent[i]) std::_Exit(3);
  }
  if (::mprotect(g_reserve_page, g_reserve_size, PROT_NONE) != 0) std::_Exit(6);
  unsigned char next[32];
  if (!g_forked_reserve->draw(next, sizeof next).ok()) std::_Exit(5);
  if (contains(parent, next, sizeof next)) std::_Exit(4);
}

TEST_CASE("a forked child never sees the parent's reserve bytes (and refills its own)") {
  // mprotect sealing, forced: the child reads the page with a plain mprotect,
  // which a key or the parent's kernel-copy descriptor would not allow.
  auto reserve = make_reserve(SealingPreference::Mprotect);
  unsigned char first[32];
  REQUIRE_OK(reserve->draw(first, sizeof first));
  std::vector<unsigned char> parent = page_of(*reserve);
  REQUIRE(std::count(parent.begin(), parent.end(), 0) < static_cast<long>(parent.size() / 2));
  g_reserve_page = reserve->memory().data;
  g_reserve_size = reserve->memory().data_size;
  g_parent_view = &parent;
  g_forked_reserve = reserve.get();
  ChildOutcome outcome = run_child_case("look at the reserve's page after fork");
  if (!outcome.exited_cleanly) report_failure(__FILE__, __LINE__, "the child: " + outcome.description);
  // The parent's reserve is untouched by the child.
  CHECK(page_of(*reserve) == parent);
}
#endif

#if defined(__linux__)
namespace {

std::unique_ptr<Pool> g_keyed_pool;
std::vector<PoolChunk> g_keyed_chunks;
constexpr int kKeyedFills = 100;  // fewer than one page of 32-byte draws

void prepare_keyed_pool() {
  PoolOptions options;
  options.sealing = SealingPreference::Pkey;
  auto made = Pool::create(options);
  if (!made) std::_Exit(2);
  g_keyed_pool = std::move(made.value());
  // The first generate maps the arena and the reserve and fills both.
  PoolChunk first = g_keyed_pool->allocate(32).value();
  if (!g_keyed_pool->fill_random(first).ok()) std::_Exit(3);
  for (int i = 0; i < kKeyedFills; ++i) g_keyed_chunks.push_back(g_keyed_pool->allocate(32).value());
}

void fill_keyed_chunks() {
  for (PoolChunk chunk : g_keyed_chunks) {
    if (!g_keyed_pool->fill_random(chunk).ok()) std::_Exit(4);
  }
}

}  // namespace

TEST_CASE("under a key, a pooled secret's random bytes come from the reserve: no system call per secret") {
  if (!choose_sealing(SealingPreference::Pkey)) {
    skip("no protection keys here: " + choose_sealing(SealingPreference::Pkey).error().message);
  }
  SystemCallCount count = count_system_calls(prepare_keyed_pool, fill_keyed_chunks);
  if (!count.counted) {
    if (running_in_ci() || count.reason.find("seccomp") == std::string::npos) {
      report_failure(__FILE__, __LINE__, "could not count system calls: " + count.reason);
      return;
    }
    skip(count.reason);
  }
  if (count.calls != 0) {
    report_failure(__FILE__, __LINE__,
                   std::to_string(count.calls) + " system calls in " + std::to_string(kKeyedFills) +
                       " random fills; the first numbers: " + count.numbers);
  }
}
#endif

TEST_CASE("a pool draws from a reserve only where its pages open without a system call") {
  CHECK(reserve_pays_off(Sealing::Pkey));
  CHECK(!reserve_pays_off(Sealing::KernelCopy));
  CHECK(!reserve_pays_off(Sealing::Mprotect));
  CHECK(!reserve_pays_off(Sealing::None));
}

STRONGROOM_TEST_MAIN
