// The protected region: [guard][slack | canary | secret][guard], sealed at rest, scoped access.
#include <atomic>
#include <cstring>
#include <thread>
#include <stdexcept>
#include <vector>

#include "os_probe.h"
#include "strongroom/page_size.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"
#include "sealing_under_test.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

namespace {

std::unique_ptr<ProtectedRegion> region_of(std::size_t size, unsigned char fill,
                                           SealingPreference sealing = sealing_under_test()) {
  RegionOptions options;
  options.sealing = sealing;
  auto created = ProtectedRegion::create(size, options);
  if (!created.ok()) return nullptr;
  std::unique_ptr<ProtectedRegion> region = std::move(created.value());
  Status written = region->with_write([fill](std::uint8_t* bytes, std::size_t n) { std::memset(bytes, fill, n); });
  return written.ok() ? std::move(region) : nullptr;
}

std::vector<unsigned char> contents(ProtectedRegion& region) {
  std::vector<unsigned char> out;
  Status read = region.with_read([&out](const std::uint8_t* bytes, std::size_t n) { out.assign(bytes, bytes + n); });
  if (!read.ok()) out.clear();
  return out;
}

void touch(const unsigned char* p) {
  (void)*static_cast<const volatile unsigned char*>(p);
}
void poke(const unsigned char* p) {
  *const_cast<volatile unsigned char*>(p) = 1;
}

// What the page tables must show for a region's data pages at rest: no
// access under mprotect sealing, read-only on Windows (no access would unlock
// them: STATUS_WAS_UNLOCKED), read-write under a protection key (PKRU, not
// the page tables, denies access then).
std::string at_rest(const ProtectedRegion& region) {
  switch (region.sealing()) {
    case Sealing::Pkey:
      return "rw-";
    case Sealing::None:
      return "r--";
    case Sealing::Mprotect:
    case Sealing::KernelCopy:
      return "---";
  }
  return "?";
}
const bool kSealsAtRest = !kWindows;

}  // namespace

TEST_CASE("write then read back the secret") {
  auto region = region_of(32, 0xAB);
  REQUIRE(region != nullptr);
  CHECK_EQ(region->size(), std::size_t{32});
  CHECK(contents(*region) == std::vector<unsigned char>(32, 0xAB));
  CHECK_EQ(region->sealed(), kSealsAtRest);
  CHECK(region->canary_intact());
}

TEST_CASE("sizes: zero and above the maximum are InvalidSize, the maximum is configurable") {
  auto zero = ProtectedRegion::create(0);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  auto over = ProtectedRegion::create(kDefaultMaxSecretSize + 1);
  CHECK(!over.ok() && over.error().code == ErrorCode::InvalidSize);
  // This checks the size bound, not the lock budget: 1 MiB is far above what a
  // default Windows process may lock (its minimum working set, ~200 KiB).
  RegionOptions best_effort = region_options_under_test();
  best_effort.lock_policy = LockPolicy::BestEffort;
  auto at_max = ProtectedRegion::create(kDefaultMaxSecretSize, best_effort);
  CHECK(at_max.ok());
  RegionOptions small = region_options_under_test();
  small.max_size = 64;
  auto over_small = ProtectedRegion::create(65, small);
  CHECK(!over_small.ok() && over_small.error().code == ErrorCode::InvalidSize);
  CHECK(ProtectedRegion::create(64, small).ok());
  RegionOptions bad_policy;
  bad_policy.lock_policy = static_cast<LockPolicy>(9);
  auto bad = ProtectedRegion::create(8, bad_policy);
  CHECK(!bad.ok() && bad.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE("layout: one guard page on each side, canary inside the data pages") {
  auto region = region_of(100, 1);
  REQUIRE(region != nullptr);
  const GuardedAllocation& m = region->mapping();
  CHECK_EQ(m.guard_pages_before, std::size_t{1});
  CHECK_EQ(m.guard_pages_after, std::size_t{1});
  CHECK(m.data_size >= 100 + kCanarySize);
  if (os_protection(m.data) != "?") {
    CHECK_EQ(os_protection(m.base), std::string("---"));
    CHECK_EQ(os_protection(m.data), at_rest(*region));
    CHECK_EQ(os_protection(m.data + m.data_size), std::string("---"));
  }
}

CHILD_CASE("underflow into the front guard page") {
  auto region = region_of(64, 1);
  if (region) touch(region->data_address() - 1);
}
CHILD_CASE("overflow past the back guard page") {
  auto region = region_of(64, 1);
  if (region) touch(region->data_address() + region->data_pages_size());
}
CHILD_CASE("read a sealed region outside a scope") {
  auto region = region_of(64, 1);
  if (region) touch(region->data_address());
}
CHILD_CASE("write to a region at rest") {
  auto region = region_of(64, 1);
  if (region) poke(region->data_address());
}

TEST_CASE("guard pages and the seal kill a child that touches them") {
  EXPECT_CHILD_CRASHES("underflow into the front guard page");
  EXPECT_CHILD_CRASHES("overflow past the back guard page");
  EXPECT_CHILD_CRASHES("write to a region at rest");
  if (kSealsAtRest) {
    EXPECT_CHILD_CRASHES("read a sealed region outside a scope");
  } else {
    std::printf("    Windows: reads at rest are not trapped (read-only, to stay locked)\n");
  }
}

// One byte past the secret, from inside its own write scope (the region is
// sealed at rest): the secret ends against the trailing guard page, so the
// write faults there. Exiting cleanly right after it means it did not fault
// before the scope closed and any later vault call (a canary check) ran.
// Under kernel copy the callback writes past its copy, which ends against the
// scratch buffer's trailing guard page.
static void overflow_one_byte(SealingPreference sealing) {
  RegionOptions options;
  options.sealing = sealing;
  auto created = ProtectedRegion::create(37, options);  // not a multiple of the alignment: no slack behind it
  if (!created.ok()) return;                            // exits cleanly: the parent reports it
  (void)created.value()->with_write([](std::uint8_t* bytes, std::size_t size) {
    std::memset(bytes, 0x5A, size);
    *static_cast<volatile std::uint8_t*>(bytes + size) = 1;
    std::_Exit(0);
  });
}
CHILD_CASE("one byte past the secret in a write scope, mprotect") {
  overflow_one_byte(SealingPreference::Mprotect);
}
CHILD_CASE("one byte past the secret in a write scope, kernel copy") {
  overflow_one_byte(SealingPreference::KernelCopy);
}
CHILD_CASE("one byte past the secret in a write scope, pkey") {
  overflow_one_byte(SealingPreference::Pkey);
}

TEST_CASE("layout: the secret ends on the last byte before the trailing guard page, the canary before it") {
  auto region = region_of(37, 0x11, SealingPreference::Mprotect);
  REQUIRE(region != nullptr);
  const GuardedAllocation& m = region->mapping();
  CHECK(region->secret_address() + region->size() == m.data + m.data_size);
  const unsigned char* seen = nullptr;
  REQUIRE_OK(region->with_read([&seen](const std::uint8_t* bytes, std::size_t) { seen = bytes; }));
  CHECK(seen == region->secret_address());
}

TEST_CASE("a one-byte overflow faults at once, under every sealing method available here") {
  const std::pair<SealingPreference, const char*> methods[] = {
      {SealingPreference::Mprotect, "one byte past the secret in a write scope, mprotect"},
      {SealingPreference::KernelCopy, "one byte past the secret in a write scope, kernel copy"},
      {SealingPreference::Pkey, "one byte past the secret in a write scope, pkey"},
  };
  for (const auto& method : methods) {
    RegionOptions options;
    options.sealing = method.first;
    auto probe = ProtectedRegion::create(37, options);
    if (!probe.ok()) {
      std::printf("    %s: not available here (%s)\n", method.second, probe.error().message.c_str());
      continue;
    }
    EXPECT_CHILD_CRASHES(method.second);
  }
}

TEST_CASE("a flipped canary byte is detected on the next read and write") {
  auto region = region_of(24, 0x33);
  REQUIRE(region != nullptr);
  CHECK(region->canary_intact());
  // A buggy writer underflows by one byte inside its own write scope (an
  // overflow faults at once: see above).
  REQUIRE_OK(region->with_write([](std::uint8_t* bytes, std::size_t) { bytes[-1] ^= 0x01; }));
  CHECK(!region->canary_intact());
  bool called = false;
  Status read = region->with_read([&called](const std::uint8_t*, std::size_t) { called = true; });
  CHECK(!read.ok() && read.error().code == ErrorCode::CanaryCorrupted);
  Status write = region->with_write([&called](std::uint8_t*, std::size_t) { called = true; });
  CHECK(!write.ok() && write.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!called);
  CHECK_EQ(region->sealed(), kSealsAtRest);
  const unsigned char* data = region->data_address();
  if (os_protection(data) != "?") CHECK_EQ(os_protection(data), at_rest(*region));
}

TEST_CASE("after wipe every data byte reads 0") {
  auto region = region_of(200, 0xFF);
  REQUIRE(region != nullptr);
  REQUIRE_OK(region->wipe());
  CHECK(contents(*region) == std::vector<unsigned char>(200, 0));
  CHECK(region->canary_intact());
}

TEST_CASE("fill_random writes CSPRNG bytes that differ between regions") {
  auto a = ProtectedRegion::create(32, region_options_under_test());
  auto b = ProtectedRegion::create(32, region_options_under_test());
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  REQUIRE_OK(a.value()->fill_random());
  REQUIRE_OK(b.value()->fill_random());
  auto ca = contents(*a.value());
  auto cb = contents(*b.value());
  CHECK(ca != std::vector<unsigned char>(32, 0));
  CHECK(ca != cb);
}

TEST_CASE("the region is re-sealed when the scope throws") {
  auto region = region_of(16, 5);
  REQUIRE(region != nullptr);
  bool thrown = false;
  try {
    (void)region->with_read([](const std::uint8_t*, std::size_t) { throw std::runtime_error("caller failed"); });
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  CHECK(thrown);
  CHECK_EQ(region->sealed(), kSealsAtRest);
  if (kLinux || kDarwin) CHECK(region->sealed_verified() == Fact::Yes);
  if (os_protection(region->data_address()) != "?") {
    CHECK_EQ(os_protection(region->data_address()), at_rest(*region));
  }
  CHECK(contents(*region) == std::vector<unsigned char>(16, 5));
}

TEST_CASE("mprotect scopes: read-only inside, sealed after, nested scopes keep the widest access") {
  auto region = region_of(8, 9, SealingPreference::Mprotect);
  REQUIRE(region != nullptr);
  std::string inside_read, inside_nested;
  Fact verified_inside = Fact::Unknown;
  REQUIRE_OK(region->with_read([&](const std::uint8_t*, std::size_t) {
    inside_read = os_protection(region->data_address());
    verified_inside = region->sealed_verified();
    REQUIRE_OK(region->with_write([&](std::uint8_t* bytes, std::size_t) {
      inside_nested = os_protection(region->data_address());
      bytes[0] = 10;
    }));
    CHECK(!region->sealed());
  }));
  CHECK_EQ(region->sealed(), kSealsAtRest);
  if (kLinux || kDarwin) {
    CHECK(verified_inside == Fact::No);
    CHECK(region->sealed_verified() == Fact::Yes);
  }
  if (inside_read != "?") {
    const bool pkey = region->sealing() == Sealing::Pkey;
    CHECK_EQ(inside_read, std::string(pkey ? "rw-" : "r--"));
    CHECK_EQ(inside_nested, std::string("rw-"));
    CHECK_EQ(os_protection(region->data_address()), at_rest(*region));
  }
  CHECK(contents(*region)[0] == 10);
}

TEST_CASE("kernel-copy scopes: the pages stay no-access inside a scope, nested scopes see writes") {
  Status available = kernel_copy_available();
  if (!available) skip("no kernel copy here: " + available.error().message);
  auto region = region_of(8, 9, SealingPreference::KernelCopy);
  REQUIRE(region != nullptr);
  REQUIRE(region->sealing() == Sealing::KernelCopy);
  std::string inside_read, inside_nested;
  Fact verified_inside = Fact::Unknown;
  REQUIRE_OK(region->with_read([&](const std::uint8_t* bytes, std::size_t) {
    CHECK(bytes != region->data_address());  // a copy, never the sealed page
    inside_read = os_protection(region->data_address());
    verified_inside = region->sealed_verified();
    REQUIRE_OK(region->with_write([&](std::uint8_t* inner, std::size_t) {
      inside_nested = os_protection(region->data_address());
      inner[0] = 10;
    }));
    CHECK(region->sealed());
  }));
  CHECK(region->sealed());
  CHECK(verified_inside == Fact::Yes);
  CHECK(region->sealed_verified() == Fact::Yes);
  CHECK_EQ(inside_read, std::string("---"));
  CHECK_EQ(inside_nested, std::string("---"));
  CHECK(contents(*region)[0] == 10);
}

TEST_CASE("sealing: a protection key where the CPU has one, else kernel copy, else mprotect") {
  auto region = region_of(16, 1, SealingPreference::Auto);
  REQUIRE(region != nullptr);
  if (kWindows) {
    CHECK(region->sealing() == Sealing::None);
    return;
  }
  std::printf("    sealing: %s%s%s\n", sealing_name(region->sealing()),
              region->sealing_fallback_reason().empty() ? "" : " — ", region->sealing_fallback_reason().c_str());
  if (cpu_has_protection_keys()) {
    CHECK(region->sealing() == Sealing::Pkey);
  } else if (kernel_copy_available()) {
    CHECK(region->sealing() == Sealing::KernelCopy);
    CHECK(region->sealing_fallback_reason().find("no protection key") == 0);
  } else {
    CHECK(region->sealing() == Sealing::Mprotect);
    CHECK(region->sealing_fallback_reason().find("no kernel copy") != std::string::npos);
  }
  RegionOptions no_key;
  no_key.sealing = SealingPreference::Mprotect;
  auto plain = ProtectedRegion::create(16, no_key);
  REQUIRE_OK(plain);
  CHECK(plain.value()->sealing() == Sealing::Mprotect);
  CHECK(plain.value()->sealing_fallback_reason().empty());
}

CHILD_CASE("another thread reads while this thread holds a pkey scope") {
  auto region = region_of(64, 1);
  if (!region || region->sealing() != Sealing::Pkey) return;  // exits cleanly: the parent skips
  const unsigned char* data = region->data_address();
  std::atomic<int> step{0};
  // Started before the scope: a new thread inherits its creator's PKRU.
  std::thread intruder([&] {
    while (step.load() == 0) std::this_thread::yield();
    touch(data);  // PKRU of this thread still denies the key: SIGSEGV
    step.store(2);
  });
  (void)region->with_read([&](const std::uint8_t*, std::size_t) {
    step.store(1);
    while (step.load() != 2) std::this_thread::yield();
  });
  intruder.join();
}

TEST_CASE("pkey sealing: other threads stay locked out while one thread is in a scope") {
  auto region = region_of(16, 1);
  REQUIRE(region != nullptr);
  if (region->sealing() != Sealing::Pkey) {
    skip(std::string("no protection keys here: ") + (kWindows ? "Windows" : region->sealing_fallback_reason()));
  }
  EXPECT_CHILD_CRASHES("another thread reads while this thread holds a pkey scope");
}

TEST_CASE("the OS confirms the data pages are locked, out of dumps and forks") {
  std::uint64_t baseline = process_locked_bytes().value_or(0);
  auto region = region_of(64, 2);
  REQUIRE(region != nullptr);
  CHECK(region->locked());
  RangeFacts facts = query_range(region->data_address(), region->data_pages_size());
  if (kLinux) {
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK_EQ(*process_locked_bytes(), baseline + region->data_pages_size());
    region.reset();
    CHECK_EQ(*process_locked_bytes(), baseline);
  } else if (kDarwin) {
    // mach_vm_region_recurse: wired, not inherited; wired bytes follow.
    CHECK(facts.locked == Fact::Yes);
    CHECK(facts.fork_excluded == Fact::Yes);
    CHECK(facts.dump_excluded == Fact::Unknown);  // no per-region exclusion on macOS
    CHECK_EQ(*process_locked_bytes(), baseline + region->data_pages_size());
    region.reset();
    CHECK_EQ(*process_locked_bytes(), baseline);
  } else if (kWindows && running_under_wine()) {
    CHECK(facts.locked == Fact::Unknown);
  } else if (kWindows) {
    CHECK(facts.locked == Fact::Yes);
  } else {
    CHECK(facts.locked == Fact::Unknown);
  }
}

TEST_CASE("inspect(): the OS facts of the region, and a guard page opened on either side is seen") {
  auto region = region_of(64, 3);
  REQUIRE(region != nullptr);
  const GuardedAllocation& m = region->mapping();
  RegionInfo info = region->inspect();
  CHECK_EQ(info.mapped_size, m.total_size);
  CHECK(info.mapped_size >= m.data_size + 2 * page_size());
  CHECK(info.sealed == region->sealed_verified());
  if (kLinux) {
    CHECK(info.pages.locked == Fact::Yes);
    CHECK(info.pages.dump_excluded == Fact::Yes);
    CHECK(info.pages.fork_excluded == Fact::Yes);
    CHECK(info.guard_pages == Fact::Yes);
    CHECK(info.sealed == Fact::Yes);
  }
  if (info.guard_pages == Fact::Unknown) return;  // the OS cannot be asked here
  CHECK(info.guard_pages == Fact::Yes);
  // "Both guard pages": opening either one alone must turn the fact to No.
  unsigned char* front = static_cast<unsigned char*>(m.base);
  unsigned char* back = m.data + m.data_size;
  for (unsigned char* guard : {front, back}) {
    REQUIRE(platform_memory::protect(guard, page_size(), Protection::ReadOnly).ok());
    CHECK(region->inspect().guard_pages == Fact::No);
    REQUIRE(platform_memory::protect(guard, page_size(), Protection::NoAccess).ok());
    CHECK(region->inspect().guard_pages == Fact::Yes);
  }
}

STRONGROOM_TEST_MAIN
