import { electronBinary, HOW_TO_GET_ELECTRON, requireElectron } from './electron-binary';

export default function globalSetup(): void {
  const found = electronBinary();
  if ('missing' in found) {
    const verdict = requireElectron ? 'FAILS (STRONGROOM_REQUIRE_ELECTRON=1)' : 'NOT RUN here';
    console.log(`\n[e2e] electron project: ${verdict}: ${found.missing}.\n[e2e] ${HOW_TO_GET_ELECTRON}\n`);
  }
}
