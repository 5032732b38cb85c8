#!/usr/bin/env node
// Draws bench/results.json: docs/bench.svg (each operation against its
// anchor and its floor, one panel per sealing method, log scale) and the
// generated part of docs/benchmarks.md (the machine, the chart, the tables
// and the targets as the run printed them). Hand-written SVG, no
// dependencies; the output depends on results.json alone, so it can be
// checked for staleness.
//
//   node bench/chart.js           write both from bench/results.json
//   node bench/chart.js --check   exit 1 if either differs from what results.json gives
//
// npm run bench calls write() after each run; npm run bench:chart redraws
// from the committed results without measuring.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { fmtNs, fmtRatio, ratio, speed } = require('./format');

const root = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results.json');
const SVG = path.join(root, 'docs', 'bench.svg');
const DOC = path.join(root, 'docs', 'benchmarks.md');
const BEGIN =
  '<!-- results: generated from bench/results.json by npm run bench or npm run bench:chart; edit the generator (bench/chart.js), not this text -->';
const END = '<!-- results end -->';

const METHODS = ['pkey', 'kernel-copy', 'mprotect'];

const COLOR = {
  pooled: '#2b6cb0',
  isolated: '#2c7a7b',
  anchor: '#c05621',
  floor: '#2f855a',
  grid: '#e2e8f0',
  text: '#1a202c',
  muted: '#4a5568',
};

// Geometry (px).
const WIDTH = 1100;
const LABEL_X = 16;
const PLOT_X0 = 280;
const PLOT_X1 = 710;
const VALUE_X = 724;
const BAR_H = 14;
const ROW_H = 22;

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

function num(value) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function pick(object, key) {
  return object && typeof object === 'object' ? num(object[key]) : null;
}

/** The floor a read scope under `method` is compared with (the same as table 2). */
function readFloor(rs, method) {
  const floors = rs?.floors ?? {};
  if (method === 'pkey') return { ns: num(floors.pkeyPairNs), label: 'pkey_set pair (C)' };
  if (method === 'kernel-copy') return { ns: num(floors.kernelCopyReadNs), label: 'one 32-byte pread of /proc/self/mem (C)' };
  return { ns: num(floors.mprotectPairNs), label: 'mprotect pair (C)' };
}

/**
 * What the chart shows for one sealing method: two groups of operations,
 * each with the anchor a user would compare with and the floor below which
 * no implementation of that method can go.
 */
function panelFor(results, method) {
  const af = results.allocateFree ?? {};
  const rs = results.readScope ?? {};
  const floor = readFloor(rs, method);
  const mprotectPair = num(rs.floors?.mprotectPairNs);
  return {
    method,
    groups: [
      {
        title: '32-byte allocate + free',
        anchor: { ns: num(af.sodium), label: 'sodium_malloc + sodium_free' },
        floor: { ns: num(af.noop), label: 'empty Node-API call pair' },
        rows: [
          { label: 'pool generate + free (native)', storage: 'pooled', ns: pick(af.poolGenerate, method) },
          { label: 'vault.generate + destroy, pooled', storage: 'pooled', ns: pick(af.vaultPooledGenerateBy, method) },
          { label: 'vault.generate + destroy, isolated', storage: 'isolated', ns: pick(af.vaultIsolatedGenerateBy, method) },
        ],
      },
      {
        title: '32-byte read scope',
        // sodium-native opens and closes sealed memory with an mprotect pair
        // (sodium_mprotect_readonly, then _noaccess): the C pair is the least
        // that costs.
        anchor: { ns: mprotectPair, label: 'mprotect pair (C): the least a sodium_mprotect pair costs' },
        floor,
        rows: [
          { label: 'pooled readInto (native)', storage: 'pooled', ns: pick(rs.pooledNative, method) },
          { label: 'isolated readInto (native)', storage: 'isolated', ns: pick(rs.isolatedNative, method) },
          { label: 'vault.read, pooled', storage: 'pooled', ns: pick(rs.vaultPooled, method) },
          { label: 'vault.read, isolated', storage: 'isolated', ns: pick(rs.vaultIsolated, method) },
        ],
      },
    ],
  };
}

function decadeRange(values) {
  const finite = values.filter((v) => v !== null);
  if (finite.length === 0) return { lo: 1, hi: 6 };
  const lo = Math.floor(Math.log10(Math.min(...finite)));
  const hi = Math.ceil(Math.log10(Math.max(...finite)));
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

function tickLabel(decade) {
  const ns = 10 ** decade;
  if (ns >= 1e6) return `${ns / 1e6} ms`;
  if (ns >= 1e3) return `${ns / 1e3} µs`;
  return `${ns} ns`;
}

/** Wraps `text` into lines of at most `width` characters, at spaces. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function machineLine(results) {
  const m = results.machine ?? {};
  const parts = [
    m.cpu ?? 'unknown CPU',
    m.cores ? `${m.cores} cores` : null,
    m.os ?? null,
    m.node ? `Node ${m.node}` : null,
    typeof results.date === 'string' ? results.date.slice(0, 10) : null,
    m.hypervisor === true ? 'virtual machine' : null,
    m.pkeysInCpu === true ? 'protection keys: yes' : m.pkeysInCpu === false ? 'protection keys: no' : null,
  ];
  return parts.filter((p) => p !== null).join(' · ');
}

function renderSvg(results) {
  const measured = Array.isArray(results.sealing?.methods) ? results.sealing.methods : [];
  const unavailable = results.sealing?.unavailable ?? {};
  const panels = METHODS.filter((m) => measured.includes(m)).map((m) => panelFor(results, m));
  const missing = METHODS.filter((m) => !measured.includes(m)).map((m) => ({ method: m, reason: unavailable[m] ?? 'not measured' }));

  const all = [];
  for (const panel of panels) {
    for (const group of panel.groups) {
      all.push(group.anchor.ns, group.floor.ns, ...group.rows.map((r) => r.ns));
    }
  }
  const { lo, hi } = decadeRange(all);
  const x = (ns) => PLOT_X0 + ((Math.log10(ns) - lo) / (hi - lo)) * (PLOT_X1 - PLOT_X0);

  const out = [];
  let y = 0;
  const text = (tx, ty, content, attrs = '') =>
    out.push(`<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}"${attrs}>${escapeXml(content)}</text>`);

  y += 28;
  text(LABEL_X, y, 'Strongroom benchmarks: time per 32-byte operation, log scale (shorter is faster)', ' class="title"');
  y += 20;
  text(LABEL_X, y, machineLine(results), ' class="muted"');
  y += 18;
  text(
    LABEL_X,
    y,
    'Bars: pooled (blue), isolated (teal). Dashed lines: the anchor a user compares with (orange), the floor of the method (green).',
    ' class="muted"',
  );
  y += 16;
  text(LABEL_X, y, 'Each bar: time per operation, how it compares with the anchor, and its multiple of the floor.', ' class="muted"');
  y += 14;

  for (const panel of panels) {
    y += 34;
    const auto = results.sealing?.sealing === panel.method ? ' (what sealing: auto picked)' : '';
    text(LABEL_X, y, `sealing: ${panel.method}${auto}`, ' class="panel"');
    y += 10;
    for (const group of panel.groups) {
      y += 30;
      text(LABEL_X, y, group.title, ' class="group"');
      // Decade grid and tick labels on the group's header row.
      for (let d = lo; d <= hi; d++) {
        text(x(10 ** d), y, tickLabel(d), ' class="tick" text-anchor="middle"');
      }
      const legend = [
        group.anchor.ns !== null
          ? `anchor: ${group.anchor.label}, ${fmtNs(group.anchor.ns)}`
          : `anchor: ${group.anchor.label}, not measured`,
        group.floor.ns !== null ? `floor: ${group.floor.label}, ${fmtNs(group.floor.ns)}` : `floor: ${group.floor.label}, not measured`,
      ];
      y += 16;
      text(LABEL_X + 12, y, legend[0], ` class="legend" fill="${COLOR.anchor}"`);
      y += 14;
      text(LABEL_X + 12, y, legend[1], ` class="legend" fill="${COLOR.floor}"`);
      y += 6;
      const rowsTop = y;
      const rowsBottom = rowsTop + group.rows.length * ROW_H + 6;
      for (let d = lo; d <= hi; d++) {
        out.push(`<line x1="${x(10 ** d).toFixed(1)}" y1="${rowsTop}" x2="${x(10 ** d).toFixed(1)}" y2="${rowsBottom}" class="grid"/>`);
      }
      for (const row of group.rows) {
        y += ROW_H;
        const barY = y - BAR_H + 2;
        text(LABEL_X + 12, y, row.label, ' class="label"');
        if (row.ns === null) {
          text(PLOT_X0 + 4, y, 'not measured', ' class="muted"');
          continue;
        }
        const width = Math.max(1, x(row.ns) - PLOT_X0);
        out.push(
          `<rect x="${PLOT_X0}" y="${barY.toFixed(1)}" width="${width.toFixed(1)}" height="${BAR_H}" fill="${COLOR[row.storage]}" rx="2"/>`,
        );
        const vsFloor = ratio(row.ns, group.floor.ns);
        const value = [
          fmtNs(row.ns),
          group.anchor.ns === null ? null : `${speed(group.anchor.ns, row.ns)} than anchor`,
          vsFloor === null ? null : `${fmtRatio(vsFloor)} floor`,
        ]
          .filter((p) => p !== null)
          .join(' · ');
        text(VALUE_X, y, value, ' class="value"');
      }
      // The reference lines go over the bars, so a bar shorter than its floor shows.
      for (const { ns, color } of [
        { ns: group.anchor.ns, color: COLOR.anchor },
        { ns: group.floor.ns, color: COLOR.floor },
      ]) {
        if (ns === null) continue;
        const rx = x(ns).toFixed(1);
        out.push(
          `<line x1="${rx}" y1="${rowsTop}" x2="${rx}" y2="${rowsBottom}" stroke="${color}" stroke-width="2" stroke-dasharray="5 3"/>`,
        );
      }
    }
  }

  for (const { method, reason } of missing) {
    y += 30;
    text(LABEL_X, y, `sealing: ${method}: not measured`, ' class="panel"');
    for (const line of wrap(reason, 150)) {
      y += 16;
      text(LABEL_X + 12, y, line, ' class="muted"');
    }
  }
  y += 20;

  const style = [
    `text { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; fill: ${COLOR.text}; }`,
    '.title { font-size: 17px; font-weight: bold; }',
    '.panel { font-size: 15px; font-weight: bold; }',
    '.group { font-size: 13px; font-weight: bold; }',
    '.label, .value { font-size: 12px; }',
    '.legend { font-size: 11px; }',
    `.muted { font-size: 11px; fill: ${COLOR.muted}; }`,
    `.tick { font-size: 10px; fill: ${COLOR.muted}; }`,
    `.grid { stroke: ${COLOR.grid}; stroke-width: 1; }`,
  ].join('\n    ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" role="img">`,
    `  <title>${escapeXml(`Strongroom benchmarks: ${machineLine(results)}`)}</title>`,
    `  <style>\n    ${style}\n  </style>`,
    `  <rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...out.map((line) => `  ${line}`),
    '</svg>',
    '',
  ].join('\n');
}

/** The machine, the chart and the run's own tables, as Markdown. */
function renderSection(results) {
  const m = results.machine ?? {};
  const sealing = results.sealing ?? {};
  const unavailable = Object.entries(sealing.unavailable ?? {});
  const row = (k, v) => `| ${k} | ${String(v).replace(/\|/g, '\\|')} |`;
  const lines = [
    BEGIN,
    '',
    '| run | |',
    '|---|---|',
    row('date', typeof results.date === 'string' ? results.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown'),
    row('CPU', `${m.cpu ?? 'unknown'}, ${m.cores ?? '?'} cores, ${m.arch ?? '?'}`),
    row('OS, Node', `${m.os ?? 'unknown'}, Node ${m.node ?? '?'}`),
    row(
      'protection keys in the CPU',
      m.pkeysInCpu === true ? 'yes (ospke in /proc/cpuinfo)' : m.pkeysInCpu === false ? 'no (no ospke in /proc/cpuinfo)' : 'unknown',
    ),
    row('sealing methods measured', (sealing.methods ?? []).join(', ') || 'none'),
    row('what sealing: auto picked', sealing.sealing ?? 'unknown'),
    ...unavailable.map(([method, why]) => row(`${method}: not measured`, why)),
    ...(typeof m.hypervisor === 'boolean' ? [row('virtual machine', m.hypervisor ? 'yes (hypervisor flag in /proc/cpuinfo)' : 'no')] : []),
    row('memfd_secret', m.memfdSecret === true ? 'available' : m.memfdSecret === false ? 'not available' : 'unknown'),
    row('run as root', m.root === true ? 'yes' : m.root === false ? 'no' : 'unknown'),
    row('iterations', results.quick ? 'a tenth (--quick)' : 'full'),
    '',
    '![Each operation against its anchor and its floor, per sealing method](bench.svg)',
    '',
  ];
  // The run's own tables, as it printed them (from the first table on).
  const report = typeof results.report === 'string' ? results.report : '';
  const start = report.indexOf('\n### ');
  if (start >= 0) lines.push(report.slice(start + 1).trimEnd());
  lines.push('', END);
  return lines.join('\n');
}

function spliceSection(doc, section) {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${path.relative(root, DOC)} has no generated results section (${BEGIN} … ${END})`);
  return doc.slice(0, begin) + section + doc.slice(end + END.length);
}

function expected(results) {
  return { svg: renderSvg(results), doc: spliceSection(fs.readFileSync(DOC, 'utf8'), renderSection(results)) };
}

function write(results) {
  const { svg, doc } = expected(results);
  fs.writeFileSync(SVG, svg);
  fs.writeFileSync(DOC, doc);
  return [SVG, DOC];
}

/** Names of the generated files that do not match results.json. */
function stale(results) {
  const { svg, doc } = expected(results);
  const out = [];
  if (!fs.existsSync(SVG) || fs.readFileSync(SVG, 'utf8') !== svg) out.push(path.relative(root, SVG));
  if (fs.readFileSync(DOC, 'utf8') !== doc) out.push(path.relative(root, DOC));
  return out;
}

module.exports = { renderSvg, renderSection, write, stale };

if (require.main === module) {
  const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  if (process.argv.includes('--check')) {
    const behind = stale(results);
    if (behind.length > 0) {
      console.error(`bench chart: ${behind.join(' and ')} do not match bench/results.json; run npm run bench:chart`);
      process.exit(1);
    }
  } else {
    for (const file of write(results)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
