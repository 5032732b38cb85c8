// The sealing method that the method-dependent tests force. Test-only: the
// core never reads STRONGROOM_TEST_SEALING; scripts/test-core.sh sets it to
// run those suites once per method the machine offers.
#pragma once

#include <string>

#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "strongroom/sealing.h"

namespace strongroom_test {

constexpr const char* kTestSealingVariable = "STRONGROOM_TEST_SEALING";

// "pkey", "kernel-copy" or "mprotect" from STRONGROOM_TEST_SEALING; Auto when
// it is unset, empty or "auto". Any other value stops the test at once.
strongroom::SealingPreference sealing_under_test();
// Default options that seal with sealing_under_test().
strongroom::RegionOptions region_options_under_test();
strongroom::PoolOptions pool_options_under_test();
// The name of sealing_under_test(): "auto", "pkey", "kernel-copy", "mprotect".
const char* sealing_under_test_name();

// Whether `preference` can be had in this process, and if not, the probe's
// reason ("" when it can).
std::string sealing_unavailable_reason(strongroom::SealingPreference preference);

}  // namespace strongroom_test
