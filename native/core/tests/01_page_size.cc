#include "strongroom/page_size.h"

#include "test.h"

using namespace strongroom;

TEST_CASE("page_size is a power of two of at least 4 KiB") {
  std::size_t size = page_size();
  CHECK(is_power_of_two(size));
  CHECK(size >= 4096);
  CHECK_EQ(page_size(), size);  // cached, stable
}

TEST_CASE("normalize_page_size keeps a power of two") {
  bool anomaly = true;
  CHECK_EQ(normalize_page_size(4096, &anomaly), std::size_t{4096});
  CHECK(!anomaly);
  CHECK_EQ(normalize_page_size(16384, &anomaly), std::size_t{16384});
  CHECK(!anomaly);
}

TEST_CASE("normalize_page_size falls back to 4 KiB when the OS fails") {
  bool anomaly = false;
  CHECK_EQ(normalize_page_size(-1, &anomaly), kFallbackPageSize);
  CHECK(anomaly);
  anomaly = false;
  CHECK_EQ(normalize_page_size(0, &anomaly), kFallbackPageSize);
  CHECK(anomaly);
}

TEST_CASE("normalize_page_size rounds an odd size up to a power of two") {
  bool anomaly = false;
  CHECK_EQ(normalize_page_size(5000, &anomaly), std::size_t{8192});
  CHECK(anomaly);
  CHECK_EQ(normalize_page_size(3, &anomaly), std::size_t{4});
}

TEST_CASE("align_up rounds up and reports overflow as 0") {
  CHECK_EQ(align_up(1, 4096), std::size_t{4096});
  CHECK_EQ(align_up(4096, 4096), std::size_t{4096});
  CHECK_EQ(align_up(4097, 4096), std::size_t{8192});
  CHECK_EQ(align_up(static_cast<std::size_t>(-1) - 10, 4096), std::size_t{0});
}

STRONGROOM_TEST_MAIN
