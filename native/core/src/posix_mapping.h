// Anonymous mmap aligned to the core's page size. Internal to the core.
#pragma once

#include <cstddef>

namespace strongroom {

// mmap(nullptr, size, prot, flags | MAP_ANONYMOUS, -1, 0) whose result is
// aligned to page_size(). mmap only promises the OS page; when a simulated
// page size is larger, this maps one simulated page more and unmaps the
// misaligned head and the tail, so protect(), guard pages and arena offsets
// see the alignment a real large-page OS gives. MAP_FAILED with errno on
// failure, as mmap.
void* mmap_page_aligned(std::size_t size, int prot, int flags);

}  // namespace strongroom
