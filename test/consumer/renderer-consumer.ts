// A renderer (page) consumer: DOM types only, window.strongroom from strongroom/renderer.
import type { SecretRef, StrongroomBridge } from 'strongroom/renderer';

export async function createSeed(): Promise<SecretRef> {
  const bridge: StrongroomBridge = window.strongroom;
  const ref = await bridge.generate(32, { kind: 'seed' });
  const status = await window.strongroom.inspect(ref.id);
  document.title = status.lockVerified === true ? 'locked' : 'not verified';
  return ref;
}
