// BIP-32 (secp256k1) and SLIP-10 (ed25519) derivation, derivation paths, and
// extended keys.
#include <secp256k1.h>
#include <torsion/ecc.h>
#include <torsion/encoding.h>
#include <torsion/hash.h>

#include <cstring>
#include <string>

#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {

namespace {

using wallet::read32be;
using wallet::write32be;

constexpr std::uint32_t kXprv = 0x0488ADE4;
constexpr std::uint32_t kXpub = 0x0488B21E;
constexpr std::uint32_t kTprv = 0x04358394;
constexpr std::uint32_t kTpub = 0x043587CF;
constexpr std::size_t kExtendedKeySize = 78;

// The intermediates of one derivation.
struct DeriveState {
  hmac_t mac;
  std::uint8_t output[64];  // I = IL || IR
  std::uint8_t key[32];
  std::uint8_t chain[32];
  std::uint8_t data[37];  // 0x00 || key || index, or public key || index
};

void hmac_into(DeriveState& state, const std::uint8_t* key, std::size_t key_size, const std::uint8_t* data,
               std::size_t size) {
  hmac_init(&state.mac, HASH_SHA512, key, key_size);
  hmac_update(&state.mac, data, size);
  hmac_final(&state.mac, state.output);
}

Status public_key_of(Curve curve, const std::uint8_t* key, std::uint8_t out[33]) {
  if (curve == Curve::Ed25519) {
    out[0] = 0;
    eddsa_pubkey_create(static_cast<const edwards_curve_t*>(wallet::ed25519_curve()), out + 1, key);
    return Status();
  }
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_create(context.value(), &point, key) != 1) {
    return make_error(ErrorCode::InvalidArgument, "not a valid secp256k1 private key");
  }
  std::size_t size = 33;
  secp256k1_ec_pubkey_serialize(context.value(), out, &size, &point, SECP256K1_EC_COMPRESSED);
  return Status();
}

std::string base58check(const std::uint8_t* payload, std::size_t size) {
  std::uint8_t data[kExtendedKeySize + 4];
  std::uint8_t digest[32];
  std::memcpy(data, payload, size);
  sha256(payload, size, digest);
  sha256(digest, 32, digest);
  std::memcpy(data + size, digest, 4);
  char text[BASE58_ENCODE_SIZE(kExtendedKeySize + 4) + 1];
  std::size_t length = 0;
  if (base58_encode(text, &length, data, size + 4) != 1) return std::string();
  return std::string(text, length);
}

std::string serialize_extended(std::uint32_t version, const KeyInfo& info, const std::uint8_t* chain,
                               const std::uint8_t* key_data33) {
  std::uint8_t payload[kExtendedKeySize];
  write32be(payload, version);
  payload[4] = info.depth;
  write32be(payload + 5, info.parent_fingerprint);
  write32be(payload + 9, info.child_index);
  std::memcpy(payload + 13, chain, 32);
  std::memcpy(payload + 45, key_data33, 33);
  std::string text = base58check(payload, sizeof(payload));
  secure_wipe(payload, sizeof(payload));
  return text;
}

Status check_path(Curve curve, const DerivationPath& path) {
  if (path.steps.size() > kMaxDerivationDepth) {
    return make_error(ErrorCode::InvalidArgument,
                      "a derivation path has at most 255 steps, not " + std::to_string(path.steps.size()));
  }
  if (curve == Curve::Ed25519) {
    for (std::size_t i = 0; i < path.steps.size(); ++i) {
      if ((path.steps[i] & kHardened) == 0) {
        return make_error(ErrorCode::InvalidArgument, "step " + std::to_string(i + 1) +
                                                          " is not hardened: SLIP-10 derives ed25519 keys by "
                                                          "hardened steps only");
      }
    }
  }
  return Status();
}

STRONGROOM_NOINLINE Result<DerivedKey> derive_now(const SecretRef& seed, Curve curve, const DerivationPath& path,
                                                  const SecretTarget& target, const DeriveOptions& options) {
  Status kind = wallet::require_kind(seed, SecretKind::Seed, "to derive keys");
  if (!kind) return kind.error();
  Status valid = check_path(curve, path);
  if (!valid) return valid.error();
  if (options.extended_public_key && curve != Curve::Secp256k1) {
    return make_error(ErrorCode::InvalidArgument, "extended public keys exist for secp256k1 keys only");
  }
  const secp256k1_context* context = nullptr;
  if (curve == Curve::Secp256k1) {
    Result<const secp256k1_context*> made = wallet::signing_context();
    if (!made) return made.error();
    context = made.value();
  }
  Result<wallet::Workspace<DeriveState>> workspace = wallet::Workspace<DeriveState>::acquire();
  if (!workspace) return workspace.error();
  DeriveState& state = *workspace.value();

  static const char kBitcoinSeed[] = "Bitcoin seed";
  static const char kEd25519Seed[] = "ed25519 seed";
  const char* master_key = curve == Curve::Secp256k1 ? kBitcoinSeed : kEd25519Seed;
  Status master = wallet::read_secret(seed, [&](const std::uint8_t* bytes, std::size_t size) {
    if (size < 16 || size > 64) {
      return Status(
          make_error(ErrorCode::InvalidSize, "a seed has 16 to 64 bytes (BIP-32), not " + std::to_string(size)));
    }
    hmac_into(state, reinterpret_cast<const std::uint8_t*>(master_key), 12, bytes, size);
    return Status();
  });
  if (!master) return master.error();
  // SLIP-10: a master key outside 1..n-1 (probability below 2^-127) is
  // replaced by HMAC-SHA512 of the whole output.
  while (curve == Curve::Secp256k1 && secp256k1_ec_seckey_verify(context, state.output) != 1) {
    hmac_into(state, reinterpret_cast<const std::uint8_t*>(master_key), 12, state.output, 64);
  }
  std::memcpy(state.key, state.output, 32);
  std::memcpy(state.chain, state.output + 32, 32);

  KeyInfo info;
  info.curve = curve;
  std::uint8_t public_key[33];
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    const std::uint32_t index = path.steps[i];
    Status parent = public_key_of(curve, state.key, public_key);
    if (!parent) return parent.error();
    std::size_t data_size = 37;
    if ((index & kHardened) != 0) {
      state.data[0] = 0;
      std::memcpy(state.data + 1, state.key, 32);
    } else {
      std::memcpy(state.data, public_key, 33);
    }
    write32be(state.data + 33, index);
    hmac_into(state, state.chain, 32, state.data, data_size);
    if (curve == Curve::Secp256k1) {
      if (secp256k1_ec_seckey_verify(context, state.output) != 1 ||
          secp256k1_ec_seckey_tweak_add(context, state.key, state.output) != 1) {
        // BIP-32: such an index has no key (probability below 2^-127).
        return make_error(ErrorCode::InvalidArgument,
                          "step " + std::to_string(i + 1) + " gives no valid key (BIP-32: use the next index)");
      }
    } else {
      std::memcpy(state.key, state.output, 32);
    }
    std::memcpy(state.chain, state.output + 32, 32);
    if (i + 1 == path.steps.size()) {
      info.parent_fingerprint = wallet::fingerprint_of(public_key, 33);
      info.child_index = index;
    }
  }
  info.depth = static_cast<std::uint8_t>(path.steps.size());
  Status child = public_key_of(curve, state.key, info.public_key.data());
  if (!child) return child.error();
  info.fingerprint = wallet::fingerprint_of(info.public_key.data(), 33);
  if (options.extended_public_key) {
    info.extended_public_key = serialize_extended(options.xpub_version, info, state.chain, info.public_key.data());
  }
  Result<OwnedSecret> secret =
      wallet::make_secret(target, curve == Curve::Secp256k1 ? SecretKind::Secp256k1Key : SecretKind::Ed25519Key, 64,
                          [&](std::uint8_t* out, std::size_t) {
                            std::memcpy(out, state.key, 32);
                            std::memcpy(out + 32, state.chain, 32);
                            return Status();
                          });
  if (!secret) return secret.error();
  return DerivedKey{std::move(secret.value()), std::move(info)};
}

struct ImportState {
  std::uint8_t decoded[kExtendedKeySize + 4];
  std::uint8_t digest[32];
};

// Base58 to exactly `size` big-endian bytes, in place in locked memory
// (libtorsion's decoder works in an unwiped heap buffer, and an extended
// private key is a secret). Every character goes through the whole number,
// so the time depends on the length only. False for a character outside the
// alphabet, a leading '1' (a zero byte: no extended key starts with one) or
// a number that does not fit.
bool base58_decode_exact(const char* text, std::size_t length, std::uint8_t* out, std::size_t size) {
  static const char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::memset(out, 0, size);
  if (length == 0 || text[0] == '1') return false;
  std::uint32_t overflow = 0;
  for (std::size_t i = 0; i < length; ++i) {
    std::uint32_t value = 0, valid = 0;
    for (std::uint32_t d = 0; d < 58; ++d) {
      const std::uint32_t diff = static_cast<std::uint8_t>(text[i]) ^ static_cast<std::uint8_t>(kAlphabet[d]);
      const std::uint32_t same = ((diff | (0u - diff)) >> 31) ^ 1u;
      value |= d & (0u - same);
      valid |= same;
    }
    if (valid == 0) return false;
    std::uint32_t carry = value;
    for (std::size_t k = size; k-- > 0;) {
      carry += std::uint32_t{out[k]} * 58u;
      out[k] = static_cast<std::uint8_t>(carry);
      carry >>= 8;
    }
    overflow |= carry;
  }
  return overflow == 0;
}

Error bad_key(const std::string& why) {
  return make_error(ErrorCode::InvalidArgument, "invalid extended key: " + why);
}

std::string hex_byte(std::uint8_t value) {
  static const char kDigits[] = "0123456789abcdef";
  return std::string{kDigits[value >> 4], kDigits[value & 15]};
}

STRONGROOM_NOINLINE Result<ImportedExtendedKey> import_now(const char* text, std::size_t size,
                                                           const SecretTarget& target) {
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  Result<wallet::Workspace<ImportState>> workspace = wallet::Workspace<ImportState>::acquire();
  if (!workspace) return workspace.error();
  ImportState& state = *workspace.value();
  // 82 bytes take 111 or 112 base58 characters.
  if (size < 100 || size > 112) return bad_key(std::to_string(size) + " characters, not 111");
  if (!base58_decode_exact(text, size, state.decoded, sizeof(state.decoded))) {
    return bad_key("not base58, or not 82 bytes long");
  }
  sha256(state.decoded, kExtendedKeySize, state.digest);
  sha256(state.digest, 32, state.digest);
  if (std::memcmp(state.digest, state.decoded + kExtendedKeySize, 4) != 0) return bad_key("invalid checksum");
  const std::uint32_t version = read32be(state.decoded);
  const bool is_private = version == kXprv || version == kTprv;
  if (!is_private && version != kXpub && version != kTpub) return bad_key("unknown extended key version");
  KeyInfo info;
  info.curve = Curve::Secp256k1;
  info.depth = state.decoded[4];
  info.parent_fingerprint = read32be(state.decoded + 5);
  info.child_index = read32be(state.decoded + 9);
  if (info.depth == 0 && info.parent_fingerprint != 0) return bad_key("zero depth with a non-zero parent fingerprint");
  if (info.depth == 0 && info.child_index != 0) return bad_key("zero depth with a non-zero child index");
  const std::uint8_t prefix = state.decoded[45];
  const std::uint8_t* chain = state.decoded + 13;
  if (is_private) {
    if (prefix == 2 || prefix == 3) return bad_key("a private key version with public key data");
    if (prefix != 0) return bad_key("invalid private key prefix " + hex_byte(prefix));
    if (secp256k1_ec_seckey_verify(context.value(), state.decoded + 46) != 1) {
      return bad_key("the private key is not in 1..n-1");
    }
    Status made = public_key_of(Curve::Secp256k1, state.decoded + 46, info.public_key.data());
    if (!made) return made.error();
  } else {
    if (prefix == 0) return bad_key("a public key version with private key data");
    if (prefix != 2 && prefix != 3) return bad_key("invalid public key prefix " + hex_byte(prefix));
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_parse(wallet::verify_context(), &point, state.decoded + 45, 33) != 1) {
      return bad_key("the public key is not a point on secp256k1");
    }
    std::memcpy(info.public_key.data(), state.decoded + 45, 33);
  }
  info.fingerprint = wallet::fingerprint_of(info.public_key.data(), 33);
  info.extended_public_key =
      serialize_extended(version == kTprv || version == kTpub ? kTpub : kXpub, info, chain, info.public_key.data());
  ImportedExtendedKey imported;
  imported.info = std::move(info);
  if (is_private) {
    Result<OwnedSecret> secret =
        wallet::make_secret(target, SecretKind::Secp256k1Key, 64, [&](std::uint8_t* out, std::size_t) {
          std::memcpy(out, state.decoded + 46, 32);
          std::memcpy(out + 32, chain, 32);
          return Status();
        });
    if (!secret) return secret.error();
    imported.secret = std::make_unique<OwnedSecret>(std::move(secret.value()));
  }
  return Result<ImportedExtendedKey>(std::move(imported));
}

}  // namespace

Result<DerivationPath> parse_derivation_path(const std::string& text) {
  if (text.empty() || text[0] != 'm') {
    return make_error(ErrorCode::InvalidArgument, "a derivation path starts with \"m\" (as in m/44'/60'/0'/0/0)");
  }
  DerivationPath path;
  std::size_t at = 1;
  while (at < text.size()) {
    if (text[at] != '/') return make_error(ErrorCode::InvalidArgument, "steps of a derivation path are separated by /");
    ++at;
    std::uint64_t value = 0;
    std::size_t digits = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text[at] - '0');
      ++at;
      if (++digits > 10) break;
    }
    const std::string step = std::to_string(path.steps.size() + 1);
    if (digits == 0) {
      return make_error(ErrorCode::InvalidArgument, "step " + step + " of the derivation path is not a decimal index");
    }
    if (digits > 10 || value >= kHardened) {
      return make_error(ErrorCode::InvalidArgument,
                        "step " + step +
                            " of the derivation path is out of range: an index is below 2^31 (add ' "
                            "for a hardened one)");
    }
    bool hardened = false;
    if (at < text.size() && (text[at] == '\'' || text[at] == 'h' || text[at] == 'H')) {
      hardened = true;
      ++at;
    }
    if (at < text.size() && text[at] != '/') {
      return make_error(ErrorCode::InvalidArgument, "step " + step + " of the derivation path is not a decimal index");
    }
    if (path.steps.size() == kMaxDerivationDepth) {
      return make_error(ErrorCode::InvalidArgument, "a derivation path has at most 255 steps");
    }
    path.steps.push_back(static_cast<std::uint32_t>(value) | (hardened ? kHardened : 0u));
  }
  return path;
}

std::string format_derivation_path(const DerivationPath& path) {
  std::string text = "m";
  for (std::uint32_t step : path.steps) {
    text += "/" + std::to_string(step & ~kHardened);
    if ((step & kHardened) != 0) text += "'";
  }
  return text;
}

Result<DerivedKey> derive_key(const SecretRef& seed, Curve curve, const DerivationPath& path,
                              const SecretTarget& target, const DeriveOptions& options) {
  Result<DerivedKey> derived = derive_now(seed, curve, path, target, options);
  burn_stack();
  return derived;
}

Result<ImportedExtendedKey> import_extended_key(const char* text, std::size_t size, const SecretTarget& target) {
  Result<ImportedExtendedKey> imported = import_now(text, size, target);
  burn_stack();
  return imported;
}

}  // namespace strongroom
