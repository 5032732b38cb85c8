// OS read-back where no per-range query is implemented yet (macOS, the BSDs).
// Everything is Unknown: we never claim a fact the OS did not report.
#include "strongroom/readback.h"

namespace strongroom {

RangeFacts query_range(const void*, std::size_t) { return RangeFacts(); }

Fact query_no_access(const void*, std::size_t) { return Fact::Unknown; }

std::optional<std::uint64_t> process_locked_bytes() { return std::nullopt; }

}  // namespace strongroom
