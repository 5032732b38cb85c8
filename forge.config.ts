// Electron Forge 7 packaging for the demo wallet (and the template for apps
// that adopt Strongroom). The Node-API addon needs no electron-rebuild: it is
// ABI-stable across Node and Electron. @electron/rebuild stays for apps that
// add node-gyp modules.
import type { ForgeConfig } from '@electron-forge/shared-types';
import { AutoUnpackNativesPlugin } from '@electron-forge/plugin-auto-unpack-natives';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

import { DEMO_EXECUTABLE, pointMainAtDemo } from './renderer-demo/packaging.forge';

// Playwright drives a packaged app through the inspector, which release
// builds switch off. STRONGROOM_E2E_BUILD=1 makes a test build.
const e2eBuild = process.env.STRONGROOM_E2E_BUILD === '1';

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Strongroom Demo',
    // The binary's file name (Linux, Windows; CFBundleExecutable on macOS):
    // one name without spaces that the e2e and the workflow can find.
    executableName: DEMO_EXECUTABLE,
    asar: true, // auto-unpack-natives keeps *.node outside the archive
    // Ship only what runs: the library's compiled JS, the demo's bundled main
    // process, the preload bundle, the addon, the demo pages, and production
    // dependencies (Forge prunes devDependencies). A custom list replaces
    // Forge's default ([/^\/out\//]), so it names out/ itself.
    // scripts/check-packaged-app.js checks that every module the main process
    // loads is in the package: in npm test on a copy made with this very list
    // and @electron/packager's own filter, and in CI on the real package.
    ignore: [
      /^\/out(\/|$)/,
      /^\/(\.ci|\.github|bench|bin|cmake|docs|e2e|examples|scripts|test|test-results|tools)(\/|$)/,
      /^\/(bridge|main|preload|native)(\/|$)/, // sources: their compiled JS is in dist/
      /^\/build\/(?!addon(\/|$))/,
      /^\/build\/addon\/(?!Release(\/|$))/,
      /^\/dist\/(test|forge\.config\.|renderer-demo\/packaging\.forge\.)/,
      // The demo's main process ships as one bundle; its unbundled modules import devDependencies.
      /^\/dist\/renderer-demo\/main\/(?!demo\.main\.bundle\.js$)/,
      /^\/renderer-demo\/main(\/|$)/,
      /^\/(CMakeLists\.txt|tsconfig\.json|eslint\.config\.mjs|\.[^/]+)$/,
      /\.(ts|map|md|tsbuildinfo)$/,
    ],
  },
  // package.json "main" is the library entry; the packaged app must start the
  // demo. packageAfterCopy runs on @electron/packager's copy of the app
  // (buildPath) before it packs app.asar, so the rewritten manifest is what
  // gets packed and covered by the asar integrity hash.
  hooks: {
    packageAfterCopy: (_config, buildPath) => {
      pointMainAtDemo(buildPath);
      return Promise.resolve();
    },
  },
  rebuildConfig: {},
  makers: [],
  plugins: [
    new AutoUnpackNativesPlugin({}),
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: e2eBuild,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
};

export default config;
