import { electronBinary, HOW_TO_GET_ELECTRON } from './electron-binary';

export default function globalSetup(): void {
  const found = electronBinary();
  if ('missing' in found) {
    console.log(`\n[e2e] electron project: NOT RUN here: ${found.missing}.\n[e2e] ${HOW_TO_GET_ELECTRON}\n`);
  }
}
