// Finds the Electron binary that `npm ci` downloads, or says why there is
// none. It does not require('electron'): since Electron 4x that tries to
// download a missing binary on the spot.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function electronBinary(): { path: string } | { missing: string } {
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return { missing: "electron's binary was not downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD, or offline)" };
  }
  const binary = path.join(packageDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  if (!fs.existsSync(binary)) return { missing: `electron's binary is missing at ${binary}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { missing: 'no display: run the electron project under xvfb-run (apt-get install xvfb)' };
  }
  return { path: binary };
}

export const HOW_TO_GET_ELECTRON =
  "On a machine that can reach Electron's release downloads, `npm ci` fetches it (unset ELECTRON_SKIP_BINARY_DOWNLOAD); " +
  'on Linux run `xvfb-run -a npm run test:e2e -- --project=electron`. The GitHub Actions workflow runs this project on Linux, macOS and Windows.';
