// Platform-independent half of hardening: the restoring guard.
#include "strongroom/hardening.h"

#include "strongroom/log.h"

namespace strongroom {

Result<CoreDumpsDisabledGuard> CoreDumpsDisabledGuard::create() {
  Result<CoreDumpState> previous = core_dump_state();
  if (!previous) return previous.error();
  Status disabled = disable_core_dumps();
  if (!disabled) {
    // Partial changes (the limit lowered, dumpable refused) are undone.
    (void)restore_core_dump_state(previous.value());
    return disabled.error();
  }
  return CoreDumpsDisabledGuard(previous.value());
}

CoreDumpsDisabledGuard::CoreDumpsDisabledGuard(CoreDumpsDisabledGuard&& other) noexcept
    : previous_(other.previous_), active_(other.active_) {
  other.active_ = false;
}

CoreDumpsDisabledGuard::~CoreDumpsDisabledGuard() {
  if (!active_) return;
  Status restored = restore();
  if (!restored) {
    log_message(LogLevel::Error, "could not restore core-dump settings: " + restored.error().message);
  }
}

Status CoreDumpsDisabledGuard::restore() {
  if (!active_) return Status();
  Status restored = restore_core_dump_state(previous_);
  if (restored) active_ = false;
  return restored;
}

}  // namespace strongroom
