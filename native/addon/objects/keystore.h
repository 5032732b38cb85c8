// Keystore: Web3 Secret Storage v3 decryption into a new key secret and
// encryption of one, with the KDF on the libuv thread pool. No policy: the
// JSON is parsed and every parameter checked in main/vault/keystore.ts.
#pragma once

#include <napi.h>

#include "pool.h"
#include "protected_region.h"

namespace strongroom_addon {

// keystoreDecrypt, keystoreEncrypt, keystoreAddress (see keystore.cc for
// their arguments) and keystoreLimits.
void DefineKeystore(Napi::Env env, Napi::Object exports, PoolRegistry* pools, RegionClass* regions);

}  // namespace strongroom_addon
