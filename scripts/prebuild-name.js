// Where a prebuilt binary lives: prebuilds/<platform>-<arch>/strongroom.napi[.<libc>].node
// (node-gyp-build's layout). Plain JavaScript with no dependencies, shared by
// the install step and `npm run prebuild`; main/addon-loader.ts looks in the
// same place, and a unit test holds the two together.
'use strict';
const path = require('node:path');

/** 'glibc' or 'musl' on Linux (Node reports the glibc it runs on; a musl Node has no such field), null elsewhere. */
function currentLibc(platform = process.platform) {
  if (platform !== 'linux') return null;
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

function prebuildPath(root, platform, arch, libc) {
  return path.join(root, 'prebuilds', `${platform}-${arch}`, `strongroom.napi${libc ? `.${libc}` : ''}.node`);
}

module.exports = { currentLibc, prebuildPath };
