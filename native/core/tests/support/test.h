// A deliberately small test harness: each tests/NN_*.cc file is one ctest
// executable, each TEST_CASE a named check, and CHILD_CASE code that must
// crash in a child process (a fork on POSIX, a re-run of this executable with
// --child NAME on Windows). Output is one line per case plus a summary
// "N passed, N failed", which CI reads.
#pragma once

#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace strongroom_test {

using CaseFn = void (*)();

struct Registry {
  struct Entry {
    const char* name;
    CaseFn fn;
  };
  std::vector<Entry> tests;
  std::vector<Entry> children;
  static Registry& get();
};

struct Registrar {
  Registrar(const char* name, CaseFn fn, bool child);
};

// Records a failure for the running test case; REQUIRE also stops it.
void report_failure(const char* file, int line, const std::string& text);
struct RequireFailed {};

// Skipping says why, and counts as skipped, never as passed.
void skip(const std::string& reason);
struct Skipped {};

// How a child case ended.
struct ChildOutcome {
  bool crashed = false;         // killed by SIGSEGV/SIGBUS, or an access violation
  bool exited_cleanly = false;  // ran to the end (the crash did not happen)
  std::string description;
};
ChildOutcome run_child_case(const char* name);

// Runs the registered child case `name` if argv asks for it (Windows), else all tests.
int main(int argc, char** argv);

}  // namespace strongroom_test

#define STRONGROOM_CAT2(a, b) a##b
#define STRONGROOM_CAT(a, b) STRONGROOM_CAT2(a, b)

#define TEST_CASE(name)                                                                                            \
  static void STRONGROOM_CAT(test_fn_, __LINE__)();                                                                \
  static strongroom_test::Registrar STRONGROOM_CAT(test_reg_, __LINE__)(name, &STRONGROOM_CAT(test_fn_, __LINE__), \
                                                                        false);                                    \
  static void STRONGROOM_CAT(test_fn_, __LINE__)()

#define CHILD_CASE(name)                                                                                             \
  static void STRONGROOM_CAT(child_fn_, __LINE__)();                                                                 \
  static strongroom_test::Registrar STRONGROOM_CAT(child_reg_, __LINE__)(name, &STRONGROOM_CAT(child_fn_, __LINE__), \
                                                                         true);                                      \
  static void STRONGROOM_CAT(child_fn_, __LINE__)()

#define CHECK(cond)                                                                       \
  do {                                                                                    \
    if (!(cond)) strongroom_test::report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define REQUIRE(cond)                                                            \
  do {                                                                           \
    if (!(cond)) {                                                               \
      strongroom_test::report_failure(__FILE__, __LINE__, "REQUIRE(" #cond ")"); \
      throw strongroom_test::RequireFailed();                                    \
    }                                                                            \
  } while (0)

#define CHECK_EQ(a, b)                                                              \
  do {                                                                              \
    const auto check_a_ = (a);                                                      \
    const auto check_b_ = (b);                                                      \
    if (!(check_a_ == check_b_)) {                                                  \
      std::ostringstream check_out_;                                                \
      check_out_ << "CHECK_EQ(" #a ", " #b "): " << check_a_ << " != " << check_b_; \
      strongroom_test::report_failure(__FILE__, __LINE__, check_out_.str());        \
    }                                                                               \
  } while (0)

// Status/Result must be ok; on failure prints the core's own error message.
#define REQUIRE_OK(expr)                                                                                            \
  do {                                                                                                              \
    const auto& require_ok_ = (expr);                                                                               \
    if (!require_ok_.ok()) {                                                                                        \
      strongroom_test::report_failure(__FILE__, __LINE__, "REQUIRE_OK(" #expr "): " + require_ok_.error().message); \
      throw strongroom_test::RequireFailed();                                                                       \
    }                                                                                                               \
  } while (0)

#define EXPECT_CHILD_CRASHES(name)                                                                                 \
  do {                                                                                                             \
    strongroom_test::ChildOutcome outcome_ = strongroom_test::run_child_case(name);                                \
    if (!outcome_.crashed) {                                                                                       \
      strongroom_test::report_failure(                                                                             \
          __FILE__, __LINE__, std::string("child case '") + name + "' should crash but: " + outcome_.description); \
    }                                                                                                              \
  } while (0)

#define STRONGROOM_TEST_MAIN \
  int main(int argc, char** argv) { return strongroom_test::main(argc, argv); }
