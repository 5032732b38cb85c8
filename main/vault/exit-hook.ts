// Wipes every live vault's secrets when the process exits.

const liveVaults = new Set<WeakRef<object>>();
// Per vault: wipe everything, scopes or not. Only the exit hook uses it.
const wipeAtExit = new WeakMap<object, () => number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The addon also wipes every region when the Node environment ends; this
  // covers process.exit() paths and keeps the vault's stats honest.
  process.once('exit', () => {
    for (const ref of liveVaults) {
      try {
        const vault = ref.deref();
        if (vault !== undefined) wipeAtExit.get(vault)?.();
      } catch {
        // A corrupted canary must not stop the other vaults from being wiped.
      }
    }
  });
}

/**
 * Has `wipe` called for `vault` at process exit, while the vault is alive.
 * Only a weak reference is kept: the hook never keeps a vault alive.
 */
export function wipeVaultAtExit(vault: object, wipe: () => number): void {
  liveVaults.add(new WeakRef(vault));
  wipeAtExit.set(vault, wipe);
  installExitHook();
}
