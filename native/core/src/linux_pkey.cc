// Memory protection keys on x86-64 Linux (CPU flags pku + ospke, kernel 4.9+,
// glibc 2.27+ wrappers). One key for all secret pages of the process: there
// are only 15 and V8 already holds one.
//
// What a key stops: stray reads and writes from any thread that has not
// opened a scope, and every other thread while one thread is inside a scope
// (PKRU is per thread; an mprotect unseal opens pages to all threads). What
// it does not stop: code that can run WRPKRU or call pkey_mprotect/mprotect
// in this process can open the pages.
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "os_sealing.h"

namespace strongroom {
namespace os {
namespace {

struct KeyState {
  int key = -1;
  int error = 0;
};

const KeyState& key_state() {
  // Thread-safe static initialisation: pkey_alloc runs once.
  static const KeyState state = [] {
    KeyState s;
    // Access disabled for the calling thread from the start; threads created
    // before or after start with the kernel's default PKRU, which denies
    // every key but 0.
    int key = ::pkey_alloc(0, PKEY_DISABLE_ACCESS);
    if (key < 0) {
      s.error = errno;
    } else {
      s.key = key;
    }
    return s;
  }();
  return state;
}

bool cpu_has_ospke() {
  std::FILE* cpuinfo = std::fopen("/proc/cpuinfo", "re");
  if (cpuinfo == nullptr) return false;
  char line[4096];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, cpuinfo) != nullptr) {
    found = std::strncmp(line, "flags", 5) == 0 && std::strstr(line, " ospke") != nullptr;
  }
  std::fclose(cpuinfo);
  return found;
}

// Per thread: how many scopes are open, how many of them write.
thread_local int t_depth = 0;
thread_local int t_write_depth = 0;

void apply(int key) {
  unsigned int rights = PKEY_DISABLE_ACCESS;
  if (t_write_depth > 0) {
    rights = 0;
  } else if (t_depth > 0) {
    rights = PKEY_DISABLE_WRITE;
  }
  // pkey_set only fails for a bad key or rights; both are ours and valid.
  (void)::pkey_set(key, rights);
}

}  // namespace

Result<int> protection_key() {
  const KeyState& state = key_state();
  if (state.key >= 0) return state.key;
  std::string reason;
  switch (state.error) {
    // Without PKU the kernel has no key to hand out: ENOSPC or EINVAL.
    case ENOSPC:
      reason = cpu_has_ospke() ? "no protection key left (all in use)"
                               : "the CPU or kernel has no protection keys (no ospke in /proc/cpuinfo)";
      break;
    case EINVAL:
      reason = "the CPU or kernel has no protection keys (no pku/ospke)";
      break;
    case ENOSYS:
      reason = "the kernel has no pkey_alloc system call";
      break;
    default:
      reason = "pkey_alloc failed";
      break;
  }
  return make_os_error(ErrorCode::Unsupported, "pkey_alloc", state.error, reason);
}

Status protect_with_key(void* ptr, std::size_t size, int key) {
  if (::pkey_mprotect(ptr, size, PROT_READ | PROT_WRITE, key) != 0) {
    return make_os_error(ErrorCode::OsError, "pkey_mprotect", errno, "could not tag pages with the protection key");
  }
  return Status();
}

void key_scope_enter(int key, bool write) {
  ++t_depth;
  if (write) ++t_write_depth;
  apply(key);
}

void key_scope_leave(int key, bool write) {
  if (t_depth > 0) --t_depth;
  if (write && t_write_depth > 0) --t_write_depth;
  apply(key);
}

bool key_scope_open(int) {
  return t_depth > 0;
}

bool key_access_disabled(int key) {
  int rights = ::pkey_get(key);
  return rights >= 0 && (rights & PKEY_DISABLE_ACCESS) != 0;
}

}  // namespace os
}  // namespace strongroom
