// Finds the Electron binary that `npm ci` downloads (or, with
// STRONGROOM_E2E_PACKAGED, the packaged demo), or says why there is none. It
// does not require('electron'): since Electron 4x that tries to download a
// missing binary on the spot.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEMO_EXECUTABLE } from '../renderer-demo/packaging.forge';

/**
 * Set (to 1) where an Electron binary is expected, as in the GitHub Actions
 * matrix: the electron project then fails instead of skipping when none is
 * found. CI=true alone does not mean a binary exists (a CI without network
 * access to Electron's releases has none).
 */
export const requireElectron = process.env.STRONGROOM_REQUIRE_ELECTRON === '1';

/**
 * STRONGROOM_E2E_PACKAGED: the folder `electron-forge package` wrote (out/),
 * to run the electron project against the packaged demo instead of the
 * checkout. The package must be a test build (STRONGROOM_E2E_BUILD=1 when
 * packaging) so that Playwright may attach its inspector.
 */
export const packagedOut = process.env.STRONGROOM_E2E_PACKAGED ? path.resolve(process.env.STRONGROOM_E2E_PACKAGED) : null;

/** The packaged demo's executable under Forge's output folder, for this platform and arch. */
export function packagedApp(out: string): { path: string; appDir: string } | { missing: string } {
  const suffix = `-${process.platform}-${process.arch}`;
  const dir = fs.existsSync(out) ? fs.readdirSync(out).find((name) => name.endsWith(suffix)) : undefined;
  if (dir === undefined)
    return { missing: `no packaged app for ${process.platform}-${process.arch} in ${out} (run electron-forge package)` };
  const appDir = path.join(out, dir);
  let binary: string;
  if (process.platform === 'darwin') {
    const bundle = fs.readdirSync(appDir).find((name) => name.endsWith('.app'));
    if (bundle === undefined) return { missing: `no .app bundle in ${appDir}` };
    binary = path.join(appDir, bundle, 'Contents', 'MacOS', DEMO_EXECUTABLE);
  } else {
    binary = path.join(appDir, process.platform === 'win32' ? `${DEMO_EXECUTABLE}.exe` : DEMO_EXECUTABLE);
  }
  if (!fs.existsSync(binary)) return { missing: `the packaged app's executable is missing at ${binary}` };
  return { path: binary, appDir };
}

export function electronBinary(): { path: string } | { missing: string } {
  const found = packagedOut !== null ? packagedApp(packagedOut) : checkoutElectron();
  if ('path' in found && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { missing: 'no display: run the electron project under xvfb-run (apt-get install xvfb)' };
  }
  return found;
}

/** The binary the electron package downloaded into node_modules. */
function checkoutElectron(): { path: string } | { missing: string } {
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
  return { path: binary };
}

export const HOW_TO_GET_ELECTRON =
  "On a machine that can reach Electron's release downloads, `npm ci` fetches it (unset ELECTRON_SKIP_BINARY_DOWNLOAD); " +
  'on Linux run `xvfb-run -a npm run test:e2e -- --project=electron`. The GitHub Actions workflow runs this project on Linux, macOS and Windows, ' +
  'from the checkout and from the packaged app, with STRONGROOM_REQUIRE_ELECTRON=1 (a missing binary fails it there).';
