// Runs inside Electron Forge while it packages the demo. The repository's
// package.json "main" is the library (dist/main/index.js), which never starts
// an app; Electron starts whatever the packaged package.json's "main" names,
// so the packaged copy must name the demo's entry instead.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The demo's Electron entry, relative to the package root: its main process
 * bundled with the libraries it uses (scripts/build-demo.js), since packaging
 * prunes the devDependencies they come from.
 */
export const DEMO_ENTRY = 'dist/renderer-demo/main/demo.main.bundle.js';

/** The packaged demo's executable name (forge.config.ts executableName; CFBundleExecutable on macOS). */
export const DEMO_EXECUTABLE = 'strongroom-demo';

/**
 * Rewrites `main` in `${buildPath}/package.json` (Forge's copy of the app,
 * before it is packed into app.asar) to `entry`. Throws if the entry was not
 * copied into the build, so a package without its entry is never produced.
 */
export function pointMainAtDemo(buildPath: string, entry: string = DEMO_ENTRY): void {
  const manifest = path.join(buildPath, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, unknown>;
  if (!fs.statSync(path.join(buildPath, entry), { throwIfNoEntry: false })?.isFile()) {
    throw new Error(`the demo entry ${entry} is not in the packaged app at ${buildPath}: run npm run build before packaging`);
  }
  pkg.main = entry;
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}
