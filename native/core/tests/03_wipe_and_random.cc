#include <cstring>
#include <vector>

#include "strongroom/wipe.h"
#include "test.h"

using namespace strongroom;

namespace {
bool all_zero(const std::vector<unsigned char>& bytes) {
  for (unsigned char b : bytes) {
    if (b != 0) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("secure_wipe zeroes every byte") {
  std::vector<unsigned char> bytes(4099, 0xA5);
  secure_wipe(bytes.data(), bytes.size());
  CHECK(all_zero(bytes));
  secure_wipe(nullptr, 0);  // no-op
}

TEST_CASE("fill_random: two fills differ and are not all zero") {
  std::vector<unsigned char> a(64), b(64);
  REQUIRE_OK(fill_random(a.data(), a.size()));
  REQUIRE_OK(fill_random(b.data(), b.size()));
  CHECK(!all_zero(a));
  CHECK(!all_zero(b));
  CHECK(a != b);
}

TEST_CASE("fill_random covers large buffers: every byte value appears in 64 KiB") {
  std::vector<unsigned char> bytes(65536);
  REQUIRE_OK(fill_random(bytes.data(), bytes.size()));
  bool seen[256] = {false};
  for (unsigned char b : bytes) seen[b] = true;
  int distinct = 0;
  for (bool s : seen) distinct += s ? 1 : 0;
  // 65536 uniform draws miss a given value with probability e^-256.
  CHECK_EQ(distinct, 256);
  // The last bytes are filled too (no short read left zeros at the end).
  std::vector<unsigned char> tail(bytes.end() - 32, bytes.end());
  CHECK(!all_zero(tail));
}

STRONGROOM_TEST_MAIN
