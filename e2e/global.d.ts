import type { StrongroomBridge } from '../main/ipc/contract';

declare global {
  interface Window {
    strongroom: StrongroomBridge;
  }
}
