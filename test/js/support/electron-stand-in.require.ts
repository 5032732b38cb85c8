// Preloaded with `node --require` into a child that imports an app entry the
// way Electron 28+ does. It installs the electron stand-in and leaves a
// report() on globalThis for the child's script to print once the entry ran.
import { createElectronStandIn, installElectronStandIn } from './electron-stand-in';

const { electron, record } = createElectronStandIn();
installElectronStandIn(electron);

async function report(): Promise<unknown> {
  const serve = record.protocolHandlers.get('app');
  const served = serve === undefined ? null : await serve(new Request('app://strongroom/index.html'));
  return {
    privilegedSchemes: record.privilegedSchemes,
    windows: record.windows.map(({ options, urls, contents }) => {
      const navigation = { prevented: false, preventDefault: () => (navigation.prevented = true) };
      contents.emit('will-navigate', navigation, 'https://elsewhere.example/');
      return {
        options,
        urls,
        windowOpen: contents.windowOpenHandler?.({ url: 'https://elsewhere.example/' }) ?? null,
        navigationPrevented: navigation.prevented,
      };
    }),
    ipcChannels: [...record.ipcHandlers.keys()].sort(),
    protocolSchemes: [...record.protocolHandlers.keys()],
    sessionHandlers: [record.permissionRequestHandler, record.permissionCheckHandler, record.devicePermissionHandler].map((h) => typeof h),
    appListeners: electron.app.eventNames().map(String).sort(),
    index:
      served === null
        ? null
        : { status: served.status, csp: served.headers.get('content-security-policy'), body: (await served.text()).slice(0, 200) },
  };
}

(globalThis as Record<string, unknown>).__strongroomStandInReport = report;
