// `strongroom/renderer`: types only, for the page. Importing it (or listing
// it in tsconfig "types") declares window.strongroom as the preload exposes
// it. It has no runtime code: the page never loads strongroom itself.
import type { StrongroomBridge } from '../bridge/contract';

export type { BridgeSecretStatus, BridgeStatus, ImportInput, SecretRef, StrongroomBridge } from '../bridge/contract';

declare global {
  interface Window {
    /** Exposed by strongroom/preload: opaque secret ids, never secret bytes. */
    readonly strongroom: StrongroomBridge;
  }
}
