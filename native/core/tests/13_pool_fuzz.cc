// Property test of the pool against a simple model: random allocate / write /
// read / fill / generate / free / trim sequences, checking after every step that
//   - chunks are 8-byte aligned and never overlap,
//   - a chunk reads back exactly what the model says it holds,
//   - a new chunk reads as zeros (freed slots were wiped),
//   - stats agree with the model (used bytes, chunk count, used + free = total),
//   - freeing twice or a stale id is refused.
// Bounded in time: STRONGROOM_FUZZ_SECONDS (default 2); the seed is printed
// and can be replayed with STRONGROOM_FUZZ_SEED. scripts/test-core-sanitize.sh
// runs it under AddressSanitizer + UndefinedBehaviorSanitizer.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "sealing_under_test.h"
#include "test.h"

using namespace strongroom;

namespace {

struct ModelChunk {
  std::vector<unsigned char> bytes;
};

double env_number(const char* name, double fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtod(value, nullptr);
}

std::vector<unsigned char> contents(Pool& pool, PoolChunk chunk, bool* ok) {
  std::vector<unsigned char> out;
  Status read = pool.with_read(chunk, [&out](const std::uint8_t* b, std::size_t n) { out.assign(b, b + n); });
  *ok = read.ok();
  return out;
}

}  // namespace

TEST_CASE("random operation sequences agree with a simple model") {
  const double seconds = env_number("STRONGROOM_FUZZ_SECONDS", 2.0);
  const auto seed = static_cast<std::uint64_t>(
      env_number("STRONGROOM_FUZZ_SEED",
                 static_cast<double>(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007)));
  std::printf("    seed %llu, %.1f s (replay: STRONGROOM_FUZZ_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              seconds, static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto below = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

  PoolOptions options = strongroom_test::pool_options_under_test();
  options.arena_size = 4 * page_size();  // many arenas: exercises creation and release
  options.max_size = 8 * page_size();
  auto created = Pool::create(options);
  REQUIRE_OK(created);
  Pool& pool = *created.value();

  std::map<std::uint64_t, ModelChunk> model;
  std::vector<PoolChunk> freed;  // stale ids to try again
  std::size_t operations = 0, failures_before = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  auto fail = [&](const std::string& what) {
    strongroom_test::report_failure(__FILE__, __LINE__, "step " + std::to_string(operations) + ": " + what);
    throw strongroom_test::RequireFailed();
  };

  // The time budget only adds steps: a slow machine still runs the minimum,
  // so what is checked never depends on how fast the machine is.
  constexpr std::size_t kMinimumOperations = 2000;
  while (operations < kMinimumOperations || std::chrono::steady_clock::now() < deadline) {
    ++operations;
    const std::size_t op = below(100);
    if (op < 10 && !model.empty()) {
      // generate: from the stash under kernel copy and mprotect for up to 64
      // bytes, else allocate + fill; either way a fresh chunk of random bytes.
      const std::size_t size = 1 + below(80);
      auto chunk = pool.generate(size);
      if (!chunk.ok()) fail("generate(" + std::to_string(size) + "): " + chunk.error().message);
      if (model.count(chunk.value().id) != 0) fail("generate returned a live chunk");
      bool ok = false;
      auto bytes = contents(pool, chunk.value(), &ok);
      if (!ok || bytes.size() != size) fail("read after generate");
      if (size >= 16 && bytes == std::vector<unsigned char>(size, 0)) fail("a generated chunk reads as zeros");
      model[chunk.value().id].bytes = std::move(bytes);
    } else if (op < 35 || model.empty()) {
      // allocate: mostly small secrets, sometimes a page or more, rarely
      // larger than an arena (an arena of its own).
      std::size_t size;
      const std::size_t kind = below(20);
      if (kind < 15)
        size = 1 + below(64);
      else if (kind < 19)
        size = 1 + below(2 * page_size());
      else
        size = 4 * page_size() + below(4 * page_size());
      auto chunk = pool.allocate(size);
      if (!chunk.ok()) fail("allocate(" + std::to_string(size) + "): " + chunk.error().message);
      if (model.count(chunk.value().id) != 0) fail("allocate returned a live chunk");
      bool ok = false;
      auto bytes = contents(pool, chunk.value(), &ok);
      if (!ok || bytes != std::vector<unsigned char>(size, 0)) fail("a new chunk must read as zeros");
      model[chunk.value().id].bytes = std::move(bytes);
    } else if (op < 55) {
      // write random bytes
      auto it = std::next(model.begin(), static_cast<long>(below(model.size())));
      for (auto& b : it->second.bytes) b = static_cast<unsigned char>(rng());
      const auto& expected = it->second.bytes;
      Status written = pool.with_write(PoolChunk{it->first}, [&](std::uint8_t* b, std::size_t n) {
        if (n == expected.size()) std::memcpy(b, expected.data(), n);
      });
      if (!written.ok()) fail("write: " + written.error().message);
    } else if (op < 60) {
      // fill_random, then learn the bytes
      auto it = std::next(model.begin(), static_cast<long>(below(model.size())));
      if (!pool.fill_random(PoolChunk{it->first}).ok()) fail("fill_random");
      bool ok = false;
      it->second.bytes = contents(pool, PoolChunk{it->first}, &ok);
      if (!ok) fail("read after fill_random");
    } else if (op < 80) {
      // read and compare
      auto it = std::next(model.begin(), static_cast<long>(below(model.size())));
      bool ok = false;
      if (contents(pool, PoolChunk{it->first}, &ok) != it->second.bytes || !ok) fail("read differs from the model");
    } else if (op < 97) {
      // free
      auto it = std::next(model.begin(), static_cast<long>(below(model.size())));
      Status status = pool.free(PoolChunk{it->first});
      if (!status.ok()) fail("free: " + status.error().message);
      freed.push_back(PoolChunk{it->first});
      model.erase(it);
    } else if (op < 99) {
      // a stale id (unless its slot was handed out again) must be refused
      if (!freed.empty()) {
        PoolChunk stale = freed[below(freed.size())];
        if (model.count(stale.id) == 0) {
          Status status = pool.free(stale);
          if (status.ok() || status.error().code != ErrorCode::InvalidArgument) fail("stale free accepted");
        }
      }
    } else {
      pool.trim();
    }
    if (freed.size() > 4096) freed.erase(freed.begin(), freed.begin() + 2048);

    // Invariants, every step (cheap) and a full sweep now and then.
    PoolStats stats = pool.stats();
    std::size_t used = 0;
    for (const auto& entry : model) used += pool_slot_size(entry.second.bytes.size());
    if (stats.used != used) fail("stats.used " + std::to_string(stats.used) + " != model " + std::to_string(used));
    if (stats.chunks_used != model.size()) fail("stats.chunks_used disagrees with the model");
    if (stats.used + stats.free != stats.total) fail("used + free != total");
    if (operations % 256 == 0) {
      std::map<std::uintptr_t, std::uintptr_t> spans;
      for (const auto& entry : model) {
        auto address = pool.address_of(PoolChunk{entry.first});
        if (!address.ok()) fail("a live chunk has no address");
        auto p = reinterpret_cast<std::uintptr_t>(address.value());
        if (p % kPoolAlignment != 0) fail("misaligned chunk");
        spans[p] = p + pool_slot_size(entry.second.bytes.size());
        bool ok = false;
        if (contents(pool, PoolChunk{entry.first}, &ok) != entry.second.bytes || !ok) fail("sweep: read differs");
      }
      std::uintptr_t end = 0;
      for (const auto& span : spans) {
        if (span.first < end) fail("chunks overlap");
        end = span.second;
      }
    }
  }
  (void)failures_before;
  for (const auto& entry : model) {
    if (!pool.free(PoolChunk{entry.first}).ok()) fail("final free");
  }
  pool.trim();
  PoolStats last = pool.stats();
  CHECK_EQ(last.arenas, std::size_t{0});
  CHECK_EQ(last.used, std::size_t{0});
  std::printf("    %zu operations\n", operations);
}

STRONGROOM_TEST_MAIN
