// Pool sealing with memory protection keys, and memfd_secret-backed arenas.
// Both are Linux features: elsewhere the tests check the honest fallback.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "os_probe.h"
#include "strongroom/hardening.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"
#include "test.h"

#if defined(__linux__)
#include <fcntl.h>
#include <unistd.h>
#endif

using namespace strongroom;
using namespace strongroom_test;

namespace {

std::unique_ptr<Pool> make_pool(Backing backing = Backing::Anonymous) {
  PoolOptions options;
  options.arena_size = 4 * page_size();
  options.backing = backing;
  auto created = Pool::create(options);
  return created.ok() ? std::move(created.value()) : nullptr;
}

PoolChunk put(Pool& pool, std::size_t size, unsigned char fill) {
  PoolChunk chunk = pool.allocate(size).value();
  (void)pool.with_write(chunk, [fill](std::uint8_t* b, std::size_t n) { std::memset(b, fill, n); });
  return chunk;
}

void touch(const unsigned char* p) {
  (void)*static_cast<const volatile unsigned char*>(p);
}

// Where the CPU offers protection keys the pool must seal with them: a
// silent fall back to mprotect fails here instead of turning into a skip.
// Elsewhere the pkey tests skip, saying why.
void require_pkeys() {
  auto pool = make_pool();
  if (pool == nullptr) throw std::runtime_error("Pool::create failed");
  if (cpu_has_protection_keys()) {
    if (pool->sealing() != Sealing::Pkey) {
      report_failure(__FILE__, __LINE__,
                     std::string("the CPU has protection keys (ospke) but the pool seals with ") +
                         sealing_name(pool->sealing()) + ": " + pool->sealing_fallback_reason());
      throw RequireFailed();
    }
    return;
  }
  skip(std::string("this CPU offers no memory protection keys (no ospke in /proc/cpuinfo, or not ") +
       "x86-64 Linux); pools seal with " + sealing_name(pool->sealing()) + ": " + pool->sealing_fallback_reason());
}

// A pool that seals with a protection key, forced (never Auto's choice), or
// a skip that carries the probe's reason where keys cannot be had.
std::unique_ptr<Pool> forced_pkey_pool() {
  PoolOptions options;
  options.arena_size = 4 * page_size();
  options.sealing = SealingPreference::Pkey;
  auto created = Pool::create(options);
  if (!created.ok()) {
    if (cpu_has_protection_keys()) {
      report_failure(__FILE__, __LINE__,
                     "the CPU has protection keys (ospke) but a pkey pool was refused: " + created.error().message);
      throw RequireFailed();
    }
    skip("pkey sealing is not available here: " + created.error().message);
  }
  return std::move(created.value());
}

// Opens or closes, for this thread only, the key the kernel shows on `p`'s page.
void raw_key(const void* p, bool open) {
  if (!set_key_rights_for_this_thread(protection_key_of(p), open)) {
    throw std::runtime_error("could not change this thread's rights for the page's protection key");
  }
}

#if defined(__linux__)
// Reads one byte through /proc/self/mem, as a debugger would: the kernel
// reaches the page through its own mapping of physical memory.
bool readable_through_proc_mem(const void* addr) {
  int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char byte = 0;
  ssize_t n = pread(fd, &byte, 1, static_cast<off_t>(reinterpret_cast<std::uintptr_t>(addr)));
  close(fd);
  return n == 1;
}
#else
bool readable_through_proc_mem(const void*) {
  return false;
}
#endif

}  // namespace

CHILD_CASE("pkey: read a pooled secret outside a scope") {
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  touch(pool->address_of(chunk).value());
}

CHILD_CASE("pkey: another thread reads while this thread is inside a scope") {
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  const unsigned char* p = pool->address_of(chunk).value();
  // Started before the scope opens: a new thread inherits its creator's
  // PKRU, so one started inside the scope would be let in.
  std::atomic<bool> inside{false};
  std::thread other([p, &inside] {
    while (!inside.load()) std::this_thread::yield();
    touch(p);  // this thread never opened a scope: its PKRU denies the key
  });
  (void)pool->with_read(chunk, [&](const std::uint8_t*, std::size_t) {
    inside.store(true);
    other.join();
  });
}

TEST_CASE("pkey: the seal holds outside a scope and against other threads inside one") {
  require_pkeys();
  EXPECT_CHILD_CRASHES("pkey: read a pooled secret outside a scope");
  EXPECT_CHILD_CRASHES("pkey: another thread reads while this thread is inside a scope");
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 0x42);
  // The page tables allow access: only PKRU seals the arena.
  CHECK_EQ(os_protection(pool->address_of(chunk).value()), std::string("rw-"));
  CHECK(pool->inspect(chunk).value().sealed);
  // A thread opens its own scope and reads.
  std::vector<unsigned char> seen;
  std::thread reader(
      [&] { (void)pool->with_read(chunk, [&](const std::uint8_t* b, std::size_t n) { seen.assign(b, b + n); }); });
  reader.join();
  CHECK(seen == std::vector<unsigned char>(32, 0x42));
}

TEST_CASE("pkey: a flipped canary byte is detected on read, write, info and free, and the key stays closed") {
  auto pool = forced_pkey_pool();
  PoolChunk victim = put(*pool, 24, 0x33);
  PoolChunk neighbour = put(*pool, 24, 0x44);
  unsigned char* bytes = pool->address_of(victim).value();
  raw_key(bytes, true);
  bytes[24] ^= 0x01;  // a one-byte overflow by a buggy writer
  raw_key(bytes, false);
  bool called = false;
  Status read = pool->with_read(victim, [&](const std::uint8_t*, std::size_t) { called = true; });
  CHECK(!read.ok() && read.error().code == ErrorCode::CanaryCorrupted);
  Status write = pool->with_write(victim, [&](std::uint8_t*, std::size_t) { called = true; });
  CHECK(!write.ok() && write.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!called);
  auto info = pool->inspect(victim);
  REQUIRE_OK(info);
  CHECK(!info.value().canary_intact);
  // The refused scopes closed this thread's key again.
  CHECK(info.value().sealed_verified == Fact::Yes);
  CHECK(pool->inspect(neighbour).value().canary_intact);
  Status freed = pool->free(victim);
  CHECK(!freed.ok() && freed.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!pool->size_of(victim).ok());  // freed all the same
  raw_key(bytes, true);
  bool zero = true;
  for (std::size_t i = 0; i < pool_slot_size(24); ++i) zero = zero && bytes[i] == 0;
  raw_key(bytes, false);
  CHECK(zero);
  std::vector<unsigned char> seen;
  REQUIRE_OK(pool->with_read(neighbour, [&](const std::uint8_t* b, std::size_t n) { seen.assign(b, b + n); }));
  CHECK(seen == std::vector<unsigned char>(24, 0x44));
}

TEST_CASE("pkey: sealed needs the key on every page (smaps) and this thread's PKRU denying it") {
  auto pool = forced_pkey_pool();
  PoolChunk chunk = put(*pool, 32, 0x42);
  unsigned char* bytes = pool->address_of(chunk).value();
  const int key = protection_key_of(bytes);
  REQUIRE(key > 0);
  unsigned char* page = bytes - reinterpret_cast<std::uintptr_t>(bytes) % page_size();
  CHECK(pool->inspect(chunk).value().sealed_verified == Fact::Yes);
  // The kernel's half: the page retagged with the default key, behind the
  // pool's back, while this thread's PKRU still denies the pool's key.
  REQUIRE(tag_pages_with_key(page, page_size(), 0));
  CHECK(pool->inspect(chunk).value().sealed_verified == Fact::No);
  REQUIRE(tag_pages_with_key(page, page_size(), key));
  CHECK(pool->inspect(chunk).value().sealed_verified == Fact::Yes);
  // The thread's half: the key opened for this thread (inspect() reads the seal
  // before its own canary scope closes the key again).
  raw_key(bytes, true);
  CHECK(pool->inspect(chunk).value().sealed_verified == Fact::No);
  raw_key(bytes, false);
  CHECK(pool->inspect(chunk).value().sealed_verified == Fact::Yes);

  RegionOptions options;
  options.sealing = SealingPreference::Pkey;
  auto created = ProtectedRegion::create(32, options);
  REQUIRE_OK(created);
  ProtectedRegion& region = *created.value();
  REQUIRE(region.sealing() == Sealing::Pkey);
  CHECK(region.sealed_verified() == Fact::Yes);
  REQUIRE(tag_pages_with_key(region.mapping().data, region.data_pages_size(), 0));
  CHECK(region.sealed_verified() == Fact::No);
  CHECK(region.inspect().sealed == Fact::No);
  REQUIRE(tag_pages_with_key(region.mapping().data, region.data_pages_size(), key));
  CHECK(region.sealed_verified() == Fact::Yes);
  raw_key(region.data_address(), true);
  CHECK(region.sealed_verified() == Fact::No);
  CHECK(region.inspect().sealed == Fact::No);
  raw_key(region.data_address(), false);
  CHECK(region.sealed_verified() == Fact::Yes);
}

namespace {

const unsigned char* volatile g_sealed_target = nullptr;
#if defined(SIGUSR1)
constexpr int kScopeSignal = SIGUSR1;
#else
constexpr int kScopeSignal = SIGTERM;  // no SIGUSR1 on Windows, which has no keys either
#endif

void read_sealed_target(int) {
  // A handler starts with the kernel's default PKRU, which denies every key
  // but 0, whatever the interrupted code had opened: this read faults.
  (void)*static_cast<const volatile unsigned char*>(g_sealed_target);
  std::fputs("the signal handler read the sealed page\n", stderr);
  std::_Exit(0);
}

}  // namespace

CHILD_CASE("pkey: a signal handler that interrupts a scope reads the secret") {
  auto pool = forced_pkey_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  g_sealed_target = pool->address_of(chunk).value();
  std::signal(kScopeSignal, read_sealed_target);
  (void)pool->with_read(chunk, [&](const std::uint8_t* bytes, std::size_t) {
    touch(bytes);  // the scope is open for this thread: this read works
    (void)std::raise(kScopeSignal);
  });
}

CHILD_CASE("pkey: a thread started during another thread's scope reads after it") {
  auto pool = forced_pkey_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  const unsigned char* p = pool->address_of(chunk).value();
  std::atomic<int> step{0};
  std::thread late;
  // The starter never opens a scope: the thread it starts copies its PKRU,
  // not the PKRU of the thread inside the scope.
  std::thread starter([&] {
    while (step.load() == 0) std::this_thread::yield();
    late = std::thread([p, &step] {
      while (step.load() != 2) std::this_thread::yield();
      touch(p);
    });
    step.store(3);
  });
  (void)pool->with_read(chunk, [&](const std::uint8_t*, std::size_t) {
    step.store(1);
    while (step.load() != 3) std::this_thread::yield();
  });
  starter.join();
  step.store(2);  // the scope is over: now read
  late.join();
}

TEST_CASE("pkey: a signal inside a scope and a thread started during one are both locked out") {
  (void)forced_pkey_pool();
  EXPECT_CHILD_CRASHES("pkey: a signal handler that interrupts a scope reads the secret");
  EXPECT_CHILD_CRASHES("pkey: a thread started during another thread's scope reads after it");
}

TEST_CASE("pkey: unavailable keys fall back to kernel copy or mprotect and say why") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  if (cpu_has_protection_keys()) skip("this CPU has protection keys (ospke); the fallback is not reachable");
  CHECK(pool->sealing() == (kWindows                  ? Sealing::None
                            : kernel_copy_available() ? Sealing::KernelCopy
                                                      : Sealing::Mprotect));
  CHECK(pool->sealing_fallback_reason().find(kWindows ? "read-only" : "no protection key") != std::string::npos);
  CHECK(!pool->sealing_fallback_reason().empty());
  std::printf("    fallback reason: %s\n", pool->sealing_fallback_reason().c_str());
}

TEST_CASE("secretmem: arenas out of the direct map, locked and sealed; or an honest fallback") {
  auto available = memfd_secret_available();
  auto pool = make_pool(Backing::SecretMem);
  REQUIRE(pool != nullptr);
  if (!available.ok() || !available.value()) {
    CHECK(pool->backing() == Backing::Anonymous);
    CHECK(!pool->backing_fallback_reason().empty());
    skip("memfd_secret unavailable (" + pool->backing_fallback_reason() + "); fell back to anonymous");
  }
  CHECK(pool->backing() == Backing::SecretMem);
  CHECK(pool->backing_fallback_reason().empty());
  PoolChunk chunk = put(*pool, 32, 0x5A);
  std::vector<unsigned char> seen;
  REQUIRE_OK(pool->with_read(chunk, [&](const std::uint8_t* b, std::size_t n) { seen.assign(b, b + n); }));
  CHECK(seen == std::vector<unsigned char>(32, 0x5A));
  auto info = pool->inspect(chunk);
  REQUIRE_OK(info);
  CHECK(info.value().locked);
  CHECK(info.value().facts.locked == Fact::Yes);
  CHECK(info.value().facts.dump_excluded == Fact::Yes);
  CHECK(info.value().guard_pages);
  // The difference from anonymous memory: even the kernel's /proc/PID/mem
  // path cannot read the page (the control can, inside a scope).
  auto control = make_pool();
  PoolChunk plain = put(*control, 32, 0x5A);
  bool secret_readable = true, plain_readable = false;
  REQUIRE_OK(pool->with_read(
      chunk, [&](const std::uint8_t* b, std::size_t) { secret_readable = readable_through_proc_mem(b); }));
  REQUIRE_OK(control->with_read(
      plain, [&](const std::uint8_t* b, std::size_t) { plain_readable = readable_through_proc_mem(b); }));
  CHECK(plain_readable);
  CHECK(!secret_readable);
  REQUIRE_OK(pool->free(chunk));
}

CHILD_CASE("secretmem: read a sealed arena outside a scope") {
  auto pool = make_pool(Backing::SecretMem);
  PoolChunk chunk = put(*pool, 32, 1);
  touch(pool->address_of(chunk).value());
}

TEST_CASE("secretmem: the seal kills a child that reads outside a scope") {
  auto available = memfd_secret_available();
  if (!available.ok() || !available.value()) skip("memfd_secret unavailable here");
  if (kWindows) skip("Linux only");
  EXPECT_CHILD_CRASHES("secretmem: read a sealed arena outside a scope");
}

STRONGROOM_TEST_MAIN
