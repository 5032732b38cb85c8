// Pool sealing with memory protection keys, and memfd_secret-backed arenas.
// Both are Linux features: elsewhere the tests check the honest fallback.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "os_probe.h"
#include "strongroom/hardening.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
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
  CHECK(pool->info(chunk).value().sealed);
  // A thread opens its own scope and reads.
  std::vector<unsigned char> seen;
  std::thread reader(
      [&] { (void)pool->with_read(chunk, [&](const std::uint8_t* b, std::size_t n) { seen.assign(b, b + n); }); });
  reader.join();
  CHECK(seen == std::vector<unsigned char>(32, 0x42));
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
  auto info = pool->info(chunk);
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
