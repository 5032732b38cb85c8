// The demo app's Content-Security-Policy, written out here once, directive by
// directive: the product's constant and the pages' meta tags
// (60_serve_policy) and the header the app:// handler serves
// (61_electron_helpers) are all compared with this literal, so a loosened,
// dropped or added directive fails, wherever it is made.
export const EXPECTED_CSP_DIRECTIVES = [
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
] as const;
export const EXPECTED_CSP = EXPECTED_CSP_DIRECTIVES.join('; ');
