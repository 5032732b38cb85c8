// Shared by the wallet layer's files: the libraries' contexts, the locked
// workspace every operation keeps its intermediates in, and the helper that
// writes a new secret. Internal to native/wallet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "scratch.h"
#include "strongroom/wallet.h"

struct secp256k1_context_struct;
typedef struct secp256k1_context_struct secp256k1_context;

#if defined(_MSC_VER)
#define STRONGROOM_NOINLINE __declspec(noinline)
#else
#define STRONGROOM_NOINLINE __attribute__((noinline))
#endif

namespace strongroom {
namespace wallet {

// The signing context: libsecp256k1's precomputed generator table and its
// blinding, in locked, dump- and fork-excluded pages, randomized once from
// the CSPRNG. Made at first use; the same error afterwards if that failed.
Result<const secp256k1_context*> signing_context();
// For verification and public-key parsing only (public data, on the heap).
const secp256k1_context* verify_context();
// torsion's Ed25519 curve (public constants; never randomized, so it holds
// no secret: its scalar multiplication is constant time without blinding).
const void* ed25519_curve();

// A block of the calling thread's locked scratch buffer, zeroed, typed as T
// (a trivially copyable struct of intermediates). Wiped when it goes.
template <typename T>
class Workspace {
 public:
  static_assert(std::is_trivially_copyable<T>::value, "workspace types are plain data");
  static Result<Workspace> acquire(std::size_t extra = 0) {
    // A lease ends against its buffer's guard page, so its start has no
    // particular alignment: ask for room to align T inside it.
    Result<ScratchLease> lease = ScratchLease::acquire(sizeof(T) + extra + alignof(T) - 1, LockPolicy::Require);
    if (!lease) {
      Error error = lease.error();
      error.message = "no locked memory for the wallet's intermediates: " + error.message;
      return error;
    }
    return Workspace(std::move(lease.value()), extra);
  }
  T& operator*() const { return *state_; }
  T* operator->() const { return state_; }
  // The `extra` bytes after T, for variable-size data (a mnemonic, a salt).
  std::uint8_t* extra() const { return reinterpret_cast<std::uint8_t*>(state_ + 1); }
  std::size_t extra_size() const { return extra_; }

 private:
  Workspace(ScratchLease lease, std::size_t extra)
      : lease_(std::move(lease)), state_(new(aligned(lease_.bytes())) T()), extra_(extra) {}
  static void* aligned(unsigned char* bytes) {
    const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(bytes);
    return bytes + ((alignof(T) - address % alignof(T)) % alignof(T));
  }
  ScratchLease lease_;
  T* state_;
  std::size_t extra_;
};

// Makes a new secret of `size` bytes at `target` and lets fill(bytes, size)
// write it inside its write scope. A failed fill frees (and so wipes) it.
using FillFn = Status (*)(std::uint8_t* bytes, std::size_t size, void* context);
Result<OwnedSecret> make_secret_raw(const SecretTarget& target, SecretKind kind, std::size_t size, FillFn fill,
                                    void* context);
template <typename Fn>
Result<OwnedSecret> make_secret(const SecretTarget& target, SecretKind kind, std::size_t size, Fn&& fill) {
  using F = std::remove_reference_t<Fn>;
  return make_secret_raw(
      target, kind, size,
      [](std::uint8_t* bytes, std::size_t n, void* context) -> Status { return (*static_cast<F*>(context))(bytes, n); },
      const_cast<void*>(static_cast<const void*>(&fill)));
}

// InvalidArgument when `secret` is not of `kind` ("a seed secret cannot be used
// as a secp256k1 key").
Status require_kind(const SecretRef& secret, SecretKind kind, const char* use);

// Runs fn(bytes, size) -> Status inside the secret's read scope and returns
// the scope's error or fn's.
template <typename Fn>
Status read_secret(const SecretRef& secret, Fn&& fn) {
  Status inner;
  Status outer = secret.with_read([&](const std::uint8_t* bytes, std::size_t size) { inner = fn(bytes, size); });
  if (!outer) return outer;
  return inner;
}

// PBKDF2-HMAC-SHA512 with every state in the locked workspace. `out` is the
// caller's (a new secret's write scope).
Status pbkdf2_sha512(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt,
                     std::size_t salt_size, std::uint32_t iterations, std::uint8_t* out, std::size_t out_size);

// HASH160 fingerprint (first 4 bytes, big-endian) of a public key.
std::uint32_t fingerprint_of(const std::uint8_t* public_key, std::size_t size);
void write32be(std::uint8_t* out, std::uint32_t value);
std::uint32_t read32be(const std::uint8_t* in);

}  // namespace wallet
}  // namespace strongroom
