// Page size discovery: the OS value, made safe to align with.
#pragma once

#include <cstddef>
#include <string>

namespace strongroom {

constexpr std::size_t kFallbackPageSize = 4096;

// Names an environment variable that makes the core use a larger page size
// than the OS's, so that a machine with 4 KiB pages runs the test suites as
// one with 16 KiB (Apple silicon) or 64 KiB pages would. For tests only.
// It covers everything that sizes, rounds, aligns, guards, locks or seals by
// page_size(): mappings are aligned to the simulated page (see
// posix_mapping.h) and every protection change spans whole simulated pages.
// It cannot cover code that asks the OS directly (sysconf, getpagesize), and
// the kernel still faults, locks and accounts in OS pages: a test that
// expects a fault one OS page past a boundary inside a simulated page, or
// a 16 KiB TLB or huge-page behaviour, is not simulated.
constexpr const char* kSimulatedPageSizeVariable = "STRONGROOM_SIMULATED_PAGE_SIZE";
// The largest size the simulation accepts: the largest page size in common
// use (arm64 and ppc64 Linux), and Windows' allocation granularity, which is
// all the alignment VirtualAlloc promises.
constexpr std::size_t kMaxSimulatedPageSize = 64 * 1024;

// The page size the core allocates, rounds, guards and seals with, computed
// once: the OS's page size (os_page_size()), or the simulated one when
// STRONGROOM_SIMULATED_PAGE_SIZE holds an accepted value (logged as a
// warning). A refused value is logged as an error and ignored.
std::size_t page_size();

// The system page size: sysconf(_SC_PAGESIZE) / GetSystemInfo, computed once.
// Falls back to 4 KiB when the OS reports an error, and rounds a value that is
// not a power of two up to the next one; both cases are logged as warnings.
// Mapping calls align to this; everything else uses page_size().
std::size_t os_page_size();

// The pure rule behind the simulation, exposed for tests. `value` is the
// variable's text (nullptr when unset). Returns the simulated page size, or 0
// when there is none: unset or empty (no `refusal`), or refused because it is
// not a decimal power of two, is smaller than or not a multiple of
// `os_page`, or is above kMaxSimulatedPageSize (`refusal` says which).
std::size_t simulated_page_size(const char* value, std::size_t os_page, std::string* refusal);

// The pure rule behind page_size(), exposed for tests. `reported` is what the
// OS said (<= 0 means it failed). `anomaly` is set when a fallback or rounding
// happened.
std::size_t normalize_page_size(long reported, bool* anomaly);

// Rounds `n` up to a multiple of `alignment` (a power of two). Returns 0 when
// the result would overflow, which callers treat as an invalid size.
std::size_t align_up(std::size_t n, std::size_t alignment);

bool is_power_of_two(std::size_t n);

}  // namespace strongroom
