// Page size discovery (seed 000): the OS value, made safe to align with.
#pragma once

#include <cstddef>

namespace strongroom {

constexpr std::size_t kFallbackPageSize = 4096;

// The system page size: sysconf(_SC_PAGESIZE) / GetSystemInfo, computed once.
// Falls back to 4 KiB when the OS reports an error, and rounds a value that is
// not a power of two up to the next one; both cases are logged as warnings.
std::size_t page_size();

// The pure rule behind page_size(), exposed for tests. `reported` is what the
// OS said (<= 0 means it failed). `anomaly` is set when a fallback or rounding
// happened.
std::size_t normalize_page_size(long reported, bool* anomaly);

// Rounds `n` up to a multiple of `alignment` (a power of two). Returns 0 when
// the result would overflow, which callers treat as an invalid size.
std::size_t align_up(std::size_t n, std::size_t alignment);

bool is_power_of_two(std::size_t n);

}  // namespace strongroom
