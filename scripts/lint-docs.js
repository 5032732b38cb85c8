#!/usr/bin/env node
// The docs' own lint, part of npm run lint:
//   - every relative link and image in README.md, ARCHITECTURE.md and docs/*.md
//     points to a file that exists, and a #fragment to a heading of that file
//     (GitHub's anchor rules);
//   - docs/bench.svg and the results section of docs/benchmarks.md match
//     bench/results.json (bench/chart.js draws both);
//   - no run-history prose: results carry their machine and date in
//     bench/results.json, the guides speak of the product.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

// Guides written on other branches: a link to one is accepted while the file
// does not exist yet (a fragment into it is not). Once it exists it is
// checked like any other; then its entry here can go.
const PENDING = new Set(['docs/wallet.md', 'docs/keystore.md']);

const RUN_HISTORY = [
  /\bin this run\b/i,
  /\ban earlier run\b/i,
  /\bthis project's machine\b/i,
  /\bthese build machines\b/i,
  /\bas in the seed\b/i,
  /\bthis machine\b/i,
];

function docFiles() {
  const docs = fs
    .readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'ARCHITECTURE.md', ...docs.sort()];
}

/** The file's lines outside fenced code blocks, with their line numbers, inline code removed. */
function proseLines(text) {
  const out = [];
  let fence = null;
  text.split('\n').forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    out.push({ number: index + 1, text: line.replace(/(`+)[^`]*?\1/g, '``') });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  const plain = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return plain.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

const anchorCache = new Map();
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const text = fs.readFileSync(file, 'utf8');
    const seen = new Map();
    const anchors = new Set();
    let fence = null;
    for (const line of text.split('\n')) {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line);
      if (marker) {
        if (fence === null) fence = marker[1][0];
        else if (marker[1][0] === fence) fence = null;
        continue;
      }
      if (fence !== null) continue;
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (!heading) continue;
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
    anchorCache.set(file, anchors);
  }
  return anchorCache.get(file);
}

function links(line) {
  const found = [];
  for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(match[1]);
  const reference = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(line);
  if (reference) found.push(reference[1]);
  return found;
}

let linksChecked = 0;

function checkLinks(relative, problems, notes) {
  const file = path.join(root, relative);
  const text = fs.readFileSync(file, 'utf8');
  for (const { number, text: line } of proseLines(text)) {
    for (const target of links(line)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      linksChecked++;
      const [pathPart, fragment] = target.split('#', 2);
      const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
      const shown = path.relative(root, resolved);
      const where = `${relative}:${number}: ${target}`;
      if (!resolved.startsWith(root + path.sep) && resolved !== root) {
        problems.push(`${where}: points outside the repository`);
        continue;
      }
      if (!fs.existsSync(resolved)) {
        if (PENDING.has(shown) && fragment === undefined) {
          notes.add(`${shown} does not exist yet (a guide from another branch); links to it are accepted until it does`);
          continue;
        }
        problems.push(`${where}: ${shown} does not exist`);
        continue;
      }
      if (fragment !== undefined && fragment !== '') {
        if (!resolved.endsWith('.md')) {
          problems.push(`${where}: a fragment into a file that is not Markdown`);
        } else if (!anchorsOf(resolved).has(fragment)) {
          problems.push(`${where}: ${shown} has no heading with the anchor #${fragment}`);
        }
      }
    }
  }
}

function checkRunHistory(relative, problems) {
  const text = fs.readFileSync(path.join(root, relative), 'utf8');
  text.split('\n').forEach((line, index) => {
    for (const pattern of RUN_HISTORY) {
      if (pattern.test(line))
        problems.push(
          `${relative}:${index + 1}: run-history prose ("${line.match(pattern)[0]}"): say what holds, and put measurements in bench/results.json`,
        );
    }
  });
}

function main() {
  const problems = [];
  const notes = new Set();
  for (const relative of docFiles()) {
    checkLinks(relative, problems, notes);
    checkRunHistory(relative, problems);
  }
  const results = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results.json'), 'utf8'));
  for (const file of require('../bench/chart').stale(results)) {
    problems.push(`${file} does not match bench/results.json: run npm run bench:chart`);
  }
  for (const note of notes) console.log(`lint-docs: note: ${note}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`lint-docs: ${problem}`);
    console.error(`lint-docs: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`lint-docs: ${docFiles().length} files, ${linksChecked} relative links, generated results: ok`);
}

main();
