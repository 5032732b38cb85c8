#include "test.h"

#include <cstring>
#include <string>
#include <utility>
#include <exception>

#include "sealing_under_test.h"

namespace strongroom_test {
namespace {

int g_failures_in_case = 0;

}  // namespace

Registry& Registry::get() {
  static Registry registry;
  return registry;
}

Registrar::Registrar(const char* name, CaseFn fn, bool child) {
  (child ? Registry::get().children : Registry::get().tests).push_back({name, fn});
}

void report_failure(const char* file, int line, const std::string& text) {
  ++g_failures_in_case;
  std::printf("    %s:%d: %s\n", file, line, text.c_str());
  std::fflush(stdout);
}

void skip(const std::string& reason) {
  std::printf("    skipped: %s\n", reason.c_str());
  throw Skipped();
}

// Declared here, defined per OS (posix_child.cc / win32_child.cc).
bool run_child_if_requested(int argc, char** argv);

int main(int argc, char** argv) {
  if (run_child_if_requested(argc, argv)) return 0;
  if (argc > 1 && std::strcmp(argv[1], "--sealing-methods") == 0) {
    // One line per method, for scripts/test-core.sh: "NAME available" or
    // "NAME unavailable: the probe's reason".
    const std::pair<const char*, strongroom::SealingPreference> methods[] = {
        {"pkey", strongroom::SealingPreference::Pkey},
        {"kernel-copy", strongroom::SealingPreference::KernelCopy},
        {"mprotect", strongroom::SealingPreference::Mprotect}};
    for (const auto& method : methods) {
      const std::string reason = sealing_unavailable_reason(method.second);
      std::printf("%s %s%s\n", method.first, reason.empty() ? "available" : "unavailable: ", reason.c_str());
    }
    return 0;
  }
  if (sealing_under_test() != strongroom::SealingPreference::Auto) {
    // A forced method that cannot be had fails the run: it is never
    // silently replaced by another.
    const std::string reason = sealing_unavailable_reason(sealing_under_test());
    std::printf("sealing under test: %s (%s)\n", sealing_under_test_name(), kTestSealingVariable);
    if (!reason.empty()) {
      std::printf("%s=%s is not available here: %s\n", kTestSealingVariable, sealing_under_test_name(), reason.c_str());
      return 1;
    }
  }
  const char* only = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& test : Registry::get().tests) {
    if (only != nullptr && std::strstr(test.name, only) == nullptr) continue;
    g_failures_in_case = 0;
    bool was_skipped = false;
    std::printf("[ RUN  ] %s\n", test.name);
    std::fflush(stdout);
    try {
      test.fn();
    } catch (const RequireFailed&) {
    } catch (const Skipped&) {
      was_skipped = true;
    } catch (const std::exception& e) {
      report_failure(__FILE__, __LINE__, std::string("unexpected exception: ") + e.what());
    }
    if (was_skipped && g_failures_in_case == 0) {
      ++skipped;
      std::printf("[ SKIP ] %s\n", test.name);
    } else if (g_failures_in_case == 0) {
      ++passed;
      std::printf("[  OK  ] %s\n", test.name);
    } else {
      ++failed;
      std::printf("[ FAIL ] %s\n", test.name);
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 && passed + skipped > 0 ? 0 : 1;
}

}  // namespace strongroom_test
