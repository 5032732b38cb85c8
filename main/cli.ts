// The `strongroom` command. Only `doctor` for now.
import { addonUnavailableReport, formatReport, type DoctorReport } from './doctor-report';
import { SecureMemoryError } from './errors';

/** Runs the checks; a native addon that does not load is the first thing doctor must diagnose, not a stack trace. */
function diagnose(): DoctorReport {
  try {
    // Loaded here, not at the top: loading it is the first check.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runDoctor } = require('./doctor') as typeof import('./doctor');
    return runDoctor();
  } catch (error) {
    if (error instanceof SecureMemoryError && error.code === 'ADDON_UNAVAILABLE') return addonUnavailableReport(error);
    throw error;
  }
}

const USAGE = `usage: strongroom doctor [--json]

  doctor    check what the computer and process protect: page size, lock budget,
            a real lock with OS read-back, dump exclusion, core dumps, fork
            hygiene, memfd_secret, and on Windows the working set and error mode.
            Exit code 0 when a SecretVault (lockPolicy "require") works here.
  --json    print the same as JSON`;

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'doctor' || rest.some((arg) => arg !== '--json')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const report = diagnose();
  process.stdout.write(rest.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}
