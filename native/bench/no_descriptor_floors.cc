// The kernel-copy descriptor policies exist only where kernel copy does
// (/proc/self/mem with forced access: Linux). Elsewhere there is nothing to
// measure and the benchmark reports them as unavailable.
#include "floors.h"

namespace strongroom {

bool measure_kernel_copy_descriptors(std::size_t, KernelCopyDescriptorCosts*) {
  return false;
}

}  // namespace strongroom
