// Public keys and signatures from key secrets: ECDSA (RFC 6979, low S,
// recovery id) and BIP-340 Schnorr with libsecp256k1, Ed25519 with libtorsion.
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <torsion/ecc.h>

#include <cstring>
#include <string>

#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {

namespace {

Status check_key_size(std::size_t size, const char* curve) {
  if (size == 32 || size == 64) return Status();
  return make_error(ErrorCode::InvalidSize,
                    std::string("a ") + curve + " key secret has 32 or 64 bytes, not " + std::to_string(size));
}

Error invalid_secp_key() {
  return make_error(ErrorCode::InvalidArgument, "the secret is not a valid secp256k1 private key (0 or not below n)");
}

Status key_kind(const SecretRef& key, const char* use) {
  if (key.kind() == SecretKind::Secp256k1Key || key.kind() == SecretKind::Ed25519Key) return Status();
  return make_error(ErrorCode::InvalidArgument, std::string("a ") + secret_kind_name(key.kind()) +
                                                    " secret cannot be used " + use + " (it needs a key)");
}

STRONGROOM_NOINLINE Result<PublicKey> public_key_now(const SecretRef& key, bool uncompressed) {
  Status kind = key_kind(key, "as a key");
  if (!kind) return kind.error();
  PublicKey out;
  if (key.kind() == SecretKind::Ed25519Key) {
    out.curve = Curve::Ed25519;
    out.size = 32;
    const auto* curve = static_cast<const edwards_curve_t*>(wallet::ed25519_curve());
    Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
      Status sized = check_key_size(size, "ed25519");
      if (!sized) return sized;
      eddsa_pubkey_create(curve, out.bytes.data(), bytes);
      return Status();
    });
    if (!read) return read.error();
    return out;
  }
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  secp256k1_pubkey point;
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
    Status sized = check_key_size(size, "secp256k1");
    if (!sized) return sized;
    if (secp256k1_ec_pubkey_create(context.value(), &point, bytes) != 1) return Status(invalid_secp_key());
    return Status();
  });
  if (!read) return read.error();
  out.size = uncompressed ? 65 : 33;
  secp256k1_ec_pubkey_serialize(context.value(), out.bytes.data(), &out.size, &point,
                                uncompressed ? SECP256K1_EC_UNCOMPRESSED : SECP256K1_EC_COMPRESSED);
  return out;
}

struct KeypairState {
  secp256k1_keypair keypair;
  std::uint8_t aux[32];
};

STRONGROOM_NOINLINE Result<std::array<std::uint8_t, 32>> schnorr_public_key_now(const SecretRef& key) {
  Status kind = wallet::require_kind(key, SecretKind::Secp256k1Key, "for a BIP-340 public key");
  if (!kind) return kind.error();
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  Result<wallet::Workspace<KeypairState>> workspace = wallet::Workspace<KeypairState>::acquire();
  if (!workspace) return workspace.error();
  KeypairState& state = *workspace.value();
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
    Status sized = check_key_size(size, "secp256k1");
    if (!sized) return sized;
    if (secp256k1_keypair_create(context.value(), &state.keypair, bytes) != 1) return Status(invalid_secp_key());
    return Status();
  });
  if (!read) return read.error();
  secp256k1_xonly_pubkey xonly;
  std::array<std::uint8_t, 32> out{};
  if (secp256k1_keypair_xonly_pub(context.value(), &xonly, nullptr, &state.keypair) != 1 ||
      secp256k1_xonly_pubkey_serialize(context.value(), out.data(), &xonly) != 1) {
    return invalid_secp_key();
  }
  return out;
}

STRONGROOM_NOINLINE Result<EcdsaSignature> sign_ecdsa_now(const SecretRef& key, const std::uint8_t* digest,
                                                          std::size_t digest_size) {
  Status kind = wallet::require_kind(key, SecretKind::Secp256k1Key, "for ECDSA");
  if (!kind) return kind.error();
  if (digest_size != 32) {
    return make_error(ErrorCode::InvalidSize,
                      "ECDSA signs a 32-byte digest, not " + std::to_string(digest_size) + " bytes");
  }
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  secp256k1_ecdsa_recoverable_signature signature;
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
    Status sized = check_key_size(size, "secp256k1");
    if (!sized) return sized;
    // No nonce function given: RFC 6979 (HMAC-SHA256 DRBG). libsecp256k1
    // always returns the low S.
    if (secp256k1_ecdsa_sign_recoverable(context.value(), &signature, digest, bytes, nullptr, nullptr) != 1) {
      return Status(invalid_secp_key());
    }
    return Status();
  });
  if (!read) return read.error();
  EcdsaSignature out;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context.value(), out.compact.data(), &out.recovery_id,
                                                          &signature);
  return out;
}

STRONGROOM_NOINLINE Result<std::array<std::uint8_t, 64>> sign_schnorr_now(const SecretRef& key,
                                                                          const std::uint8_t* message,
                                                                          std::size_t message_size,
                                                                          const std::uint8_t* aux_rand) {
  Status kind = wallet::require_kind(key, SecretKind::Secp256k1Key, "for BIP-340 Schnorr");
  if (!kind) return kind.error();
  if (message_size != 32) {
    return make_error(ErrorCode::InvalidSize,
                      "BIP-340 signs a 32-byte message, not " + std::to_string(message_size) + " bytes");
  }
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  Result<wallet::Workspace<KeypairState>> workspace = wallet::Workspace<KeypairState>::acquire();
  if (!workspace) return workspace.error();
  KeypairState& state = *workspace.value();
  if (aux_rand != nullptr) {
    std::memcpy(state.aux, aux_rand, 32);
  } else {
    Status random = fill_random(state.aux, 32);
    if (!random) return random.error();
  }
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
    Status sized = check_key_size(size, "secp256k1");
    if (!sized) return sized;
    if (secp256k1_keypair_create(context.value(), &state.keypair, bytes) != 1) return Status(invalid_secp_key());
    return Status();
  });
  if (!read) return read.error();
  std::array<std::uint8_t, 64> out{};
  // No nonce function given: BIP-340's, with aux_rand as its auxiliary data.
  if (secp256k1_schnorrsig_sign(context.value(), out.data(), message, &state.keypair, nullptr, state.aux) != 1) {
    return make_error(ErrorCode::OsError, "secp256k1_schnorrsig_sign failed");
  }
  return out;
}

STRONGROOM_NOINLINE Result<std::array<std::uint8_t, 64>> sign_ed25519_now(const SecretRef& key,
                                                                          const std::uint8_t* message,
                                                                          std::size_t message_size) {
  Status kind = wallet::require_kind(key, SecretKind::Ed25519Key, "for Ed25519");
  if (!kind) return kind.error();
  const auto* curve = static_cast<const edwards_curve_t*>(wallet::ed25519_curve());
  std::array<std::uint8_t, 64> out{};
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) {
    Status sized = check_key_size(size, "ed25519");
    if (!sized) return sized;
    // ph = -1: pure Ed25519 (RFC 8032 5.1), no context string.
    eddsa_sign(curve, out.data(), message, message_size, bytes, -1, nullptr, 0);
    return Status();
  });
  if (!read) return read.error();
  return out;
}

}  // namespace

Result<PublicKey> public_key(const SecretRef& key, bool uncompressed) {
  Result<PublicKey> out = public_key_now(key, uncompressed);
  burn_stack();
  return out;
}

Result<std::array<std::uint8_t, 32>> schnorr_public_key(const SecretRef& key) {
  Result<std::array<std::uint8_t, 32>> out = schnorr_public_key_now(key);
  burn_stack();
  return out;
}

Result<EcdsaSignature> sign_ecdsa(const SecretRef& key, const std::uint8_t* digest, std::size_t digest_size) {
  Result<EcdsaSignature> out = sign_ecdsa_now(key, digest, digest_size);
  burn_stack();
  return out;
}

Result<std::array<std::uint8_t, 64>> sign_schnorr(const SecretRef& key, const std::uint8_t* message,
                                                  std::size_t message_size, const std::uint8_t* aux_rand) {
  Result<std::array<std::uint8_t, 64>> out = sign_schnorr_now(key, message, message_size, aux_rand);
  burn_stack();
  return out;
}

Result<std::array<std::uint8_t, 64>> sign_ed25519(const SecretRef& key, const std::uint8_t* message,
                                                  std::size_t message_size) {
  Result<std::array<std::uint8_t, 64>> out = sign_ed25519_now(key, message, message_size);
  burn_stack();
  return out;
}

}  // namespace strongroom
