// Printing: times, ratios and Markdown tables, as docs/benchmarks.md shows them.
'use strict';

function fmtNs(ns) {
  if (ns === null || ns === undefined) return 'n/a';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return null;
  return a / b;
}

// "N× faster" / "N× slower": how the baseline's time compares with this one.
function speed(baseline, time) {
  const r = ratio(baseline, time);
  if (r === null) return 'n/a';
  return r >= 1 ? `${fmtRatio(r)} faster` : `${fmtRatio(1 / r)} slower`;
}

function fmtRatio(r) {
  if (r === null) return 'n/a';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

function kib(bytes) {
  return bytes === null ? 'n/a' : `${(bytes / 1024).toFixed(0)} KiB`;
}

function table(title, headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  const out = [`### ${title}`, '', line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const row of rows) out.push(line(row));
  return out.join('\n');
}

module.exports = { fmtNs, ratio, speed, fmtRatio, kib, table };
