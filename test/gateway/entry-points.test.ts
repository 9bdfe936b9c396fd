/** The production entry points (built dist/) answer --help and refuse an unknown option with a named message, not a stack trace. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The kiosk unit starts boot.js, which hands its options to main.js (docs/fleet.md "Agent updates").
const MAINS = { gateway: '../../gateway/dist/main.js', kiosk: '../../device/dist/main.js', 'kiosk launcher': '../../device/dist/boot.js' };

describe('entry points', () => {
  for (const [name, path] of Object.entries(MAINS)) {
    const main = fileURLToPath(new URL(path, import.meta.url));
    it(`${name}: --help prints the usage, an unknown option says so`, () => {
      const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 10_000 });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: node .*main\.js/);
      expect(help.stdout).toContain('docs/operator-guide.md');
      const wrong = spawnSync(process.execPath, [main, '--no-such-option'], { encoding: 'utf8', timeout: 10_000 });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain("Unknown option '--no-such-option'");
      expect(wrong.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('admin CLI: --help prints every command, an unknown option prints the usage', () => {
    const cli = fileURLToPath(new URL('../../gateway/dist/cli.js', import.meta.url));
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', timeout: 10_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage:\n/);
    for (const command of ['token create', 'program check', 'gateway-key rotate', 'release keygen', 'release upload']) expect(help.stdout).toContain(command);
    const wrong = spawnSync(process.execPath, [cli, 'token', 'create', '--rol', 'admin'], { encoding: 'utf8', timeout: 10_000 });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("Unknown option '--rol'");
    expect(wrong.stderr).toContain('usage:');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });
});
