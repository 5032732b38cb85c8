// One set of specs, two ways to run the app:
//  - electron: the real app through Playwright's _electron.launch, wherever an
//    Electron binary exists (desktops, the GitHub Actions matrix);
//  - chromium: renderer-demo in Chromium, served by the app:// handler's own
//    code (same CSP and headers), with window.strongroom exposed by the shipped
//    preload bundle over a transport that calls the real main-process handlers
//    (sender and schema checks), the real vault and the real addon in the test
//    process. Only Electron's IPC pipe and contextBridge are replaced.
import * as fs from 'node:fs';

import { defineConfig } from '@playwright/test';

const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const chromiumPath = process.env.STRONGROOM_CHROMIUM ?? systemChromium;

export default defineConfig({
  testDir: './specs',
  outputDir: '../test-results',
  globalSetup: './global-setup.ts',
  reporter: [['list']],
  timeout: 60_000,
  workers: 1,
  retries: 0,
  use: { viewport: { width: 1280, height: 800 } },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          ...(chromiumPath ? { executablePath: chromiumPath } : {}),
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
    { name: 'electron' },
  ],
});
