// Secret references, owned secrets, and secrets imported from caller memory.
#include <secp256k1.h>

#include <cstring>
#include <string>

#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {

const char* secret_kind_name(SecretKind kind) {
  switch (kind) {
    case SecretKind::Seed:
      return "seed";
    case SecretKind::Mnemonic:
      return "mnemonic";
    case SecretKind::Secp256k1Key:
      return "secp256k1 key";
    case SecretKind::Ed25519Key:
      return "ed25519 key";
  }
  return "unknown";
}

SecretRef SecretRef::pooled(Pool& pool, PoolChunk chunk, SecretKind kind) {
  return SecretRef(&pool, chunk, nullptr, kind);
}

SecretRef SecretRef::isolated(ProtectedRegion& region, SecretKind kind) {
  return SecretRef(nullptr, PoolChunk{}, &region, kind);
}

OwnedSecret::OwnedSecret(OwnedSecret&& other) noexcept
    : pool_(other.pool_), chunk_(other.chunk_), region_(std::move(other.region_)), kind_(other.kind_) {
  other.pool_ = nullptr;
}

OwnedSecret& OwnedSecret::operator=(OwnedSecret&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = other.pool_;
    chunk_ = other.chunk_;
    region_ = std::move(other.region_);
    kind_ = other.kind_;
    other.pool_ = nullptr;
  }
  return *this;
}

OwnedSecret::~OwnedSecret() {
  reset();
}

void OwnedSecret::reset() {
  if (pool_ != nullptr) (void)pool_->free(chunk_);  // wipes the slot
  pool_ = nullptr;
  region_.reset();  // wipes, unlocks, unmaps
}

SecretRef OwnedSecret::ref() const {
  if (pool_ != nullptr) return SecretRef::pooled(*pool_, chunk_, kind_);
  return SecretRef::isolated(*region_, kind_);
}

PoolChunk OwnedSecret::release_chunk() {
  pool_ = nullptr;
  return chunk_;
}

std::unique_ptr<ProtectedRegion> OwnedSecret::release_region() {
  return std::move(region_);
}

namespace wallet {

Result<OwnedSecret> make_secret_raw(const SecretTarget& target, SecretKind kind, std::size_t size, FillFn fill,
                                    void* context) {
  Status filled;
  if (target.pool != nullptr) {
    Result<PoolChunk> chunk = target.pool->allocate(size);
    if (!chunk) return chunk.error();
    OwnedSecret secret(*target.pool, chunk.value(), kind);
    Status written = target.pool->with_write(
        chunk.value(), [&](std::uint8_t* bytes, std::size_t n) { filled = fill(bytes, n, context); });
    if (!written) return written.error();
    if (!filled) return filled.error();  // `secret` frees and wipes the chunk
    return Result<OwnedSecret>(std::move(secret));
  }
  Result<std::unique_ptr<ProtectedRegion>> region = ProtectedRegion::create(size, target.region);
  if (!region) return region.error();
  OwnedSecret secret(std::move(region.value()), kind);
  Status written =
      secret.region()->with_write([&](std::uint8_t* bytes, std::size_t n) { filled = fill(bytes, n, context); });
  if (!written) return written.error();
  if (!filled) return filled.error();
  // Spelled out: an implicit move into Result's by-value constructor is C++20 (P1825) on some compilers.
  return Result<OwnedSecret>(std::move(secret));
}

Status require_kind(const SecretRef& secret, SecretKind kind, const char* use) {
  if (secret.kind() == kind) return Status();
  return make_error(ErrorCode::InvalidArgument, std::string("a ") + secret_kind_name(secret.kind()) +
                                                    " secret cannot be used " + use + " (it needs a " +
                                                    secret_kind_name(kind) + ")");
}

}  // namespace wallet

namespace {

Status check_import(SecretKind kind, const std::uint8_t* bytes, std::size_t size) {
  switch (kind) {
    case SecretKind::Seed:
      if (size < 16 || size > 64) {
        return make_error(ErrorCode::InvalidSize, "a seed has 16 to 64 bytes (BIP-32), not " + std::to_string(size));
      }
      return Status();
    case SecretKind::Mnemonic:
      if (size == 0) return make_error(ErrorCode::InvalidSize, "an empty mnemonic");
      return Status();
    case SecretKind::Secp256k1Key: {
      if (size != 32 && size != 64) {
        return make_error(ErrorCode::InvalidSize,
                          "a secp256k1 key has 32 bytes (64 with its chain code), not " + std::to_string(size));
      }
      Result<const secp256k1_context*> context = wallet::signing_context();
      if (!context) return context.error();
      if (secp256k1_ec_seckey_verify(context.value(), bytes) != 1) {
        return make_error(ErrorCode::InvalidArgument, "not a secp256k1 private key: it must be in 1..n-1");
      }
      return Status();
    }
    case SecretKind::Ed25519Key:
      if (size != 32 && size != 64) {
        return make_error(ErrorCode::InvalidSize,
                          "an ed25519 key has 32 bytes (64 with its chain code), not " + std::to_string(size));
      }
      return Status();
  }
  return make_error(ErrorCode::InvalidArgument, "unknown secret kind");
}

STRONGROOM_NOINLINE Result<OwnedSecret> import_secret_now(SecretKind kind, const std::uint8_t* bytes, std::size_t size,
                                                          const SecretTarget& target) {
  Status valid = check_import(kind, bytes, size);
  if (!valid) return valid.error();
  return wallet::make_secret(target, kind, size, [&](std::uint8_t* out, std::size_t n) {
    std::memcpy(out, bytes, n);
    return Status();
  });
}

}  // namespace

Result<OwnedSecret> import_secret(SecretKind kind, const std::uint8_t* bytes, std::size_t size,
                                  const SecretTarget& target) {
  Result<OwnedSecret> made = import_secret_now(kind, bytes, size, target);
  burn_stack();
  return made;
}

}  // namespace strongroom
