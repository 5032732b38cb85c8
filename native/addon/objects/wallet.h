// Wallet: BIP-39 seeds, BIP-32 / SLIP-10 derivation and signing on secrets
// held by the vault's pools and regions. Plain functions; no policy.
#pragma once

#include <napi.h>

#include "pool.h"
#include "protected_region.h"

namespace strongroom_addon {

// walletGenerateMnemonic, walletMnemonicToSeed, walletMnemonicToSeedAsync,
// walletDeriveKey, walletPublicKey, walletSignEcdsa,
// walletSignSchnorr, walletSignEd25519 (see wallet.cc for their arguments).
void DefineWallet(Napi::Env env, Napi::Object exports, PoolRegistry* pools, RegionClass* regions);

}  // namespace strongroom_addon
