// The live wrapped objects of one environment (the main thread, a worker),
// released at its teardown even if JavaScript never destroyed them: the GC
// may never run their finalizers, and a secret must not outlive its thread.
#pragma once

#include <napi.h>

#include <set>

namespace strongroom_addon {

// Wrap has Release(), which wipes what it holds and calls forget(this).
template <typename Wrap>
class LiveWraps {
 public:
  // Lives until the environment's teardown, which releases what is left.
  static LiveWraps* create(Napi::Env env) {
    auto* wraps = new LiveWraps();
    env.AddCleanupHook([wraps] {
      std::set<Wrap*> remaining = wraps->live_;  // Release() erases from the set
      for (Wrap* wrap : remaining) wrap->Release();
      delete wraps;
    });
    return wraps;
  }

  void add(Wrap* wrap) { live_.insert(wrap); }
  void forget(Wrap* wrap) { live_.erase(wrap); }

 private:
  std::set<Wrap*> live_;
};

}  // namespace strongroom_addon
