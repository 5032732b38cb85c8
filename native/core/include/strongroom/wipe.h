// Wiping and random fill: the two operations that touch secret bytes.
#pragma once

#include <cstddef>

#include "strongroom/error.h"

namespace strongroom {

// Zeroes `len` bytes in a way the compiler may not remove (explicit_bzero,
// SecureZeroMemory, memset_s, or volatile writes plus a barrier).
void secure_wipe(void* ptr, std::size_t len);

// Fills `len` bytes from the OS CSPRNG (getrandom, arc4random_buf,
// BCryptGenRandom). On failure the buffer is wiped, never left half-filled.
Status fill_random(void* ptr, std::size_t len);

}  // namespace strongroom
