// How a read-back fact is settled over the OS's records of a range (smaps
// entries, maps lines, macOS map entries), in one place for every OS:
//   No       a record over the range lacks the property (the OS reported
//            such a page), even when the records leave a hole elsewhere;
//   Yes      every record has it and they cover the range with no hole;
//   Unknown  otherwise (no records, or a hole and no page without it).
// This is the rule readback.h promises. Internal to the core.
#pragma once

#include "strongroom/readback.h"

namespace strongroom {

class FactTally {
 public:
  void add(bool value) {
    any_ = true;
    all_ = all_ && value;
  }
  Fact result(bool covered) const {
    if (any_ && !all_) return Fact::No;
    if (!covered || !any_) return Fact::Unknown;
    return Fact::Yes;
  }

 private:
  bool any_ = false;
  bool all_ = true;
};

}  // namespace strongroom
