// What `strongroom doctor` prints. Kept apart from the checks so that the
// CLI can still report when the native addon itself does not load.
import type { SecureMemoryError } from './errors';
import type { PlatformInfo } from './platform';

export type Verdict = 'ok' | 'degraded' | 'unavailable';

export interface DoctorRow {
  check: string;
  value: string;
  verdict: Verdict;
  /** Where the value came from (a syscall, a /proc file). */
  source: string;
  advice?: string;
}

export interface DoctorReport {
  /** null when the native addon did not load (the first row says why). */
  platform: PlatformInfo | null;
  rows: DoctorRow[];
  /** True when a vault with the default lockPolicy 'require' can keep secrets here. */
  ok: boolean;
}

/** The report when the addon cannot be loaded: one row that says what was tried, why it failed, and the fix. */
export function addonUnavailableReport(error: SecureMemoryError): DoctorReport {
  const [summary, ...detail] = error.message.split('\n');
  return {
    platform: null,
    rows: [
      {
        check: 'native addon',
        value: `not loaded: ${summary}`,
        verdict: 'unavailable',
        source: 'process.dlopen',
        advice: detail.join('\n    '),
      },
    ],
    ok: false,
  };
}

export function formatReport(report: DoctorReport): string {
  const header = ['check', 'value', 'verdict'];
  const table = report.rows.map((r) => [r.check, r.value, r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)];
  const advice = report.rows.filter((r) => r.verdict !== 'ok' && r.advice);
  if (advice.length > 0) {
    out.push('', 'advice:');
    for (const r of advice) out.push(`  ${r.check}: ${r.advice}`);
  }
  out.push(
    '',
    report.ok
      ? 'ok: a SecretVault with lockPolicy "require" can keep secrets here.'
      : report.platform === null
        ? 'NOT OK: the native addon did not load; nothing can be kept here until it does (see advice).'
        : 'NOT OK: secrets cannot be locked here; SecretVault with lockPolicy "require" will fail (see advice).',
  );
  return out.join('\n');
}
