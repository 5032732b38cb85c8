import type { StrongroomBridge } from '../bridge/contract';

declare global {
  interface Window {
    strongroom: StrongroomBridge;
  }
}
