#include "sealing_under_test.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace strongroom_test {

using strongroom::SealingPreference;

SealingPreference sealing_under_test() {
  static const SealingPreference preference = [] {
    const char* value = std::getenv(kTestSealingVariable);
    if (value == nullptr || *value == '\0' || std::strcmp(value, "auto") == 0) return SealingPreference::Auto;
    if (std::strcmp(value, "pkey") == 0) return SealingPreference::Pkey;
    if (std::strcmp(value, "kernel-copy") == 0) return SealingPreference::KernelCopy;
    if (std::strcmp(value, "mprotect") == 0) return SealingPreference::Mprotect;
    std::fprintf(stderr, "%s=\"%s\" is not one of auto, pkey, kernel-copy, mprotect\n", kTestSealingVariable, value);
    std::exit(2);
  }();
  return preference;
}

strongroom::RegionOptions region_options_under_test() {
  strongroom::RegionOptions options;
  options.sealing = sealing_under_test();
  return options;
}

strongroom::PoolOptions pool_options_under_test() {
  strongroom::PoolOptions options;
  options.sealing = sealing_under_test();
  return options;
}

const char* sealing_under_test_name() {
  switch (sealing_under_test()) {
    case SealingPreference::Pkey:
      return "pkey";
    case SealingPreference::KernelCopy:
      return "kernel-copy";
    case SealingPreference::Mprotect:
      return "mprotect";
    case SealingPreference::Auto:
      break;
  }
  return "auto";
}

std::string sealing_unavailable_reason(SealingPreference preference) {
  auto choice = strongroom::choose_sealing(preference);
  return choice.ok() ? std::string() : choice.error().message;
}

}  // namespace strongroom_test
