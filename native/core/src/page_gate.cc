#include "page_gate.h"

#include <cstring>

#include "os_pages.h"
#include "os_sealing.h"
#include "strongroom/wipe.h"

namespace strongroom {

Status PageGate::seal_at_rest(unsigned char* data, std::size_t size) const {
  Status sealed = sealing_ == Sealing::Pkey ? os::protect_with_key(data, size, key_)
                                            : pages_.protect(data, size, os::at_rest_protection());
  if (!sealed) return sealed;
  if (sealing_ == Sealing::KernelCopy) os::kernel_copy_register(data, size);
  return Status();
}

Status PageGate::open(unsigned char* at, std::size_t size, Protection protection) const {
  if (sealing_ == Sealing::KernelCopy) return Status();  // pages never open
  if (sealing_ == Sealing::Pkey) {
    // Per thread: opens the key for this thread only, no system call.
    os::key_scope_enter(key_, protection == Protection::ReadWrite);
    return Status();
  }
  return pages_.protect(at, size, protection);
}

Status PageGate::close(unsigned char* at, std::size_t size, Protection opened) const {
  if (sealing_ == Sealing::KernelCopy) return Status();
  if (sealing_ == Sealing::Pkey) {
    os::key_scope_leave(key_, opened == Protection::ReadWrite);
    return Status();
  }
  return pages_.protect(at, size, os::at_rest_protection());
}

Status PageGate::protect(unsigned char* at, std::size_t size, Protection protection) const {
  return pages_.protect(at, size, protection);
}

Status PageGate::read(const unsigned char* from, unsigned char* into, std::size_t size) const {
  if (sealing_ == Sealing::KernelCopy) return os::kernel_copy_read(from, into, size);
  std::memcpy(into, from, size);
  return Status();
}

Status PageGate::wipe(unsigned char* at, std::size_t size) const {
  if (sealing_ == Sealing::KernelCopy) return os::kernel_copy_zero(at, size);
  secure_wipe(at, size);
  return Status();
}

Fact PageGate::sealed_verified(const unsigned char* at, std::size_t size) const {
  if (sealing_ != Sealing::Pkey) return query_no_access(at, size);
  // The page tables say rw- under a key: the seal is the key on every page
  // (the kernel's record) and this thread's rights for it (PKRU). A page
  // retagged, or a PKRU that lets the key through, is not sealed.
  const Fact tagged = query_protection_key(at, size, key_);
  if (tagged != Fact::Yes) return tagged;
  return os::key_access_disabled(key_) ? Fact::Yes : Fact::No;
}

}  // namespace strongroom
