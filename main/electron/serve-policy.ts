// What the app protocol serves and how: pure (Node only, no Electron), so it
// is unit-tested in Node and the chromium e2e project serves its pages with
// this very code.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** No inline script or style, no remote anything, no frames, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every response, found or not. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
});

/** Only these file types are served; anything else (sources, maps, dotfiles) is 404. */
export const MIME: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
});

/** Resolves a request path inside `root`, or null if it would escape it. */
export function resolveInside(root: string, requestPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const rootWithSep = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  return file.startsWith(rootWithSep) ? file : null;
}

/** The part of a fetch Request the handler reads. */
export interface AppRequest {
  url: string;
  method: string;
}

/**
 * The app:// protocol handler: answers GET `${scheme}://${host}/path` from
 * files under `root` with SECURITY_HEADERS; anything else is a 404 that
 * carries the same headers.
 */
export function createAppRequestHandler(root: string, host: string): (request: AppRequest) => Promise<Response> {
  const absoluteRoot = path.resolve(root);
  const notFound = () =>
    new Response('not found', { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.host !== host || request.method !== 'GET') return notFound();
    const file = resolveInside(absoluteRoot, url.pathname === '/' ? '/index.html' : url.pathname);
    if (file === null) return notFound();
    const type = MIME[path.extname(file)];
    if (type === undefined) return notFound();
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = new Uint8Array(await fs.readFile(file));
    } catch {
      return notFound();
    }
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type } });
  };
}
