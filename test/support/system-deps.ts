/**
 * System tests need Debian packages (mosquitto, pcscd, socat, chromium). Locally a missing
 * package skips the suite with a printed reason; in CI (CI=true) it is a failure, because
 * .ci/run installs them.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

export function missingBinaries(binaries: string[]): string[] {
  return binaries.filter((binary) => {
    try {
      execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export function describeWithSystem(name: string, binaries: string[], body: () => void): void {
  const missing = missingBinaries(binaries);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `needs ${missing.join(', ')} (installed by .ci/run: apt-get install ${missing.join(' ')})`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its system packages', () => {
        throw new Error(`CI must run this suite, but it ${reason}`);
      });
    });
    return;
  }
  process.stdout.write(`SKIP ${name}: ${reason}\n`);
  describe.skip(name, body);
}
