#include "strongroom/page_size.h"

#include <cstdlib>
#include <string>

#include "test.h"

using namespace strongroom;

TEST_CASE("page_size is a power of two, a multiple of the OS page size") {
  std::size_t size = page_size();
  CHECK(is_power_of_two(size));
  CHECK(size >= os_page_size());
  CHECK_EQ(size % os_page_size(), std::size_t{0});
  CHECK_EQ(page_size(), size);  // cached, stable
  std::string refusal;
  const std::size_t simulated = simulated_page_size(std::getenv(kSimulatedPageSizeVariable), os_page_size(), &refusal);
  // Under the simulation every other test runs with the simulated size.
  CHECK_EQ(size, simulated != 0 ? simulated : os_page_size());
}

TEST_CASE("the simulated page size: powers of two from the OS page up to 64 KiB") {
  std::string refusal;
  CHECK_EQ(simulated_page_size(nullptr, 4096, &refusal), std::size_t{0});
  CHECK(refusal.empty());
  CHECK_EQ(simulated_page_size("", 4096, &refusal), std::size_t{0});
  CHECK(refusal.empty());
  CHECK_EQ(simulated_page_size("16384", 4096, &refusal), std::size_t{16384});
  CHECK(refusal.empty());
  CHECK_EQ(simulated_page_size("4096", 4096, &refusal), std::size_t{4096});
  CHECK_EQ(simulated_page_size("65536", 16384, &refusal), std::size_t{65536});
  CHECK(refusal.empty());
  // Refused, each with its reason: smaller than the OS page, not a power of
  // two, not a number, too large, or overflowing.
  CHECK_EQ(simulated_page_size("4096", 16384, &refusal), std::size_t{0});
  CHECK(refusal.find("smaller") != std::string::npos);
  CHECK_EQ(simulated_page_size("12288", 4096, &refusal), std::size_t{0});
  CHECK(refusal.find("power of two") != std::string::npos);
  CHECK_EQ(simulated_page_size("16k", 4096, &refusal), std::size_t{0});
  CHECK(!refusal.empty());
  CHECK_EQ(simulated_page_size("-16384", 4096, &refusal), std::size_t{0});
  CHECK(!refusal.empty());
  CHECK_EQ(simulated_page_size("131072", 4096, &refusal), std::size_t{0});
  CHECK(refusal.find("above") != std::string::npos);
  CHECK_EQ(simulated_page_size("99999999999999999999999", 4096, &refusal), std::size_t{0});
  CHECK(!refusal.empty());
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
