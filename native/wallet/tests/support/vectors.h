// Official test vectors, read in place: the BIP, SLIP and Wycheproof files
// from the folder STRONGROOM_VECTORS names (environment variable, else the
// CMake cache variable of the same name), and RFC 8032's from Debian's
// python3-cryptography-vectors (STRONGROOM_CRYPTOGRAPHY_VECTORS). A missing
// file skips the case and says why, except under CI=true, where it fails.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strongroom/wallet.h"

namespace wallet_test {

// The contents of `name` in the vectors folder.
std::string read_vector(const std::string& name);
// The contents of `relative` under the cryptography_vectors package folder.
std::string read_cryptography_vector(const std::string& relative);

std::vector<std::uint8_t> hex(const std::string& text);
std::string to_hex(const std::uint8_t* bytes, std::size_t size);
template <typename C>
std::string to_hex(const C& bytes) {
  return to_hex(bytes.data(), bytes.size());
}

// Just enough JSON for the vector files.
struct Json {
  enum Type { Null, Bool, Number, String, Array, Object } type = Null;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
  const Json& operator[](const std::string& key) const;  // Null when absent
  const Json& operator[](std::size_t index) const { return items.at(index); }
  bool has(const std::string& key) const;
  std::size_t size() const { return type == Array ? items.size() : members.size(); }
  long long integer() const { return static_cast<long long>(number); }
};
Json parse_json(const std::string& text);

// Every storage a wallet secret can live in here: a pool and an isolated
// region under each sealing method the machine running the test has (mprotect always; kernel
// copy and protection keys where the kernel and CPU allow them).
struct Storage {
  std::string label;                       // "pooled/kernel-copy", ...
  std::unique_ptr<strongroom::Pool> pool;  // null for isolated
  strongroom::SecretTarget target;
};
std::vector<Storage> every_storage();

// Copies bytes into a new secret of `kind` at `storage` (through the wallet's
// own import, so kinds and sizes are checked).
strongroom::OwnedSecret import(Storage& storage, strongroom::SecretKind kind, const std::vector<std::uint8_t>& bytes);
// The bytes of a secret, for comparing with a vector's expected key.
std::vector<std::uint8_t> bytes_of(const strongroom::SecretRef& secret);

}  // namespace wallet_test
