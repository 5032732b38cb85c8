// The sealing primitives each OS file provides to the sealing layer, pools
// and regions: memory protection keys, kernel copy and memfd_secret-backed
// arenas. Internal to the core.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {
namespace os {

// The process's protection key for secret pages, allocated on first use
// with access disabled and never freed (pages keep their key until they are
// unmapped). Unsupported, with the reason as the message, where the CPU,
// kernel or C library has no protection keys: linux_pkey.cc on x86-64 Linux,
// no_pkey.cc elsewhere.
Result<int> protection_key();

// pkey_mprotect(ptr, size, PROT_READ | PROT_WRITE, key): the page tables
// allow access, the calling thread's PKRU decides.
Status protect_with_key(void* ptr, std::size_t size, int key);

// Opens the key for the calling thread for one scope (read-only or
// read-write) and closes it again. Scopes nest per thread; the widest open
// right wins until the outermost scope ends. PKRU is per thread: other
// threads stay locked out.
void key_scope_enter(int key, bool write);
void key_scope_leave(int key, bool write);
// True when the calling thread has a scope open on the key.
bool key_scope_open(int key);
// The calling thread's PKRU says the key has no access (pkey_get): the
// hardware's view, not our scope count. False without protection keys.
bool key_access_disabled(int key);

// Kernel copy (linux_kernel_copy.cc; no_kernel_copy.cc elsewhere): copies
// between sealed (no-access) pages and ordinary memory through the process's
// own /proc/self/mem descriptor. The kernel reaches the page through its own
// mapping (FOLL_FORCE), so the page tables are never changed and no thread
// of this process can touch the page meanwhile. Only ranges registered as
// sealed secret memory are accepted: the descriptor never writes anywhere
// else (code pages included).
Status kernel_copy_probe(const char* path, int inject_write_errno);
// The process-wide probe's outcome (runs it on first call).
Status kernel_copy_ready();
Status kernel_copy_refuse_for_testing(const char* path, int inject_write_errno);
void kernel_copy_register(const void* base, std::size_t size);
void kernel_copy_unregister(const void* base);
Status kernel_copy_read(const void* from, void* into, std::size_t size);
Status kernel_copy_write(void* to, const void* from, std::size_t size);
// mlock2(MLOCK_ONFAULT) on no-access pages that kernel copy will fill: the
// lock is charged to RLIMIT_MEMLOCK now (LockFailed when over it) and each
// page is locked as the first copy faults it in, so a region never has to be
// opened to be locked. (A plain mlock of a no-access range fails: it cannot
// populate pages it may not touch.)
Status kernel_copy_lock_on_fault(void* ptr, std::size_t size);
// Writes `size` zero bytes at `to` (one system call).
Status kernel_copy_zero(void* to, std::size_t size);

// Arena pages from memfd_secret(2) between two no-access guard pages:
// [guard][data: MAP_SHARED of a secretmem fd][guard]. The pages leave the
// kernel's direct map, count against RLIMIT_MEMLOCK and are locked by the
// kernel. Unsupported (with the reason) off Linux or where the kernel
// refuses; LockFailed when over the lock budget.
Result<GuardedAllocation> map_secretmem_guarded(std::size_t data_size);

}  // namespace os
}  // namespace strongroom
