/** `npm run ledger -- verify` as an operator runs it: the built CLI, a real ledger file, exit codes. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OpIdGenerator } from '@loyalty/protocol';
import { basket, ledgerRig } from './harness.js';

const CLI = fileURLToPath(new URL('../../../gateway/dist/cli.js', import.meta.url));

describe('ledger CLI', () => {
  it('prints OK and exits 0 on a sound ledger, names the violation and exits 1 on a tampered one', async () => {
    if (!existsSync(CLI)) throw new Error('this test runs the built CLI: run `npm run build` first (npm test does)');
    const rig = await ledgerRig();
    const ids = new OpIdGenerator();
    await rig.ledger.purchase({ opId: ids.next(), card: { number: rig.cards[0]! }, storeId: 's1', currency: 'EUR', items: basket(12), source: 'test' });
    const dataDir = ((await rig.client.execute('PRAGMA database_list')).rows[0]!.file as string).replace(/\/ledger\.db$/, '');
    const run = () => spawnSync(process.execPath, [CLI, 'verify'], { env: { ...process.env, LOYALTY_GW_LEDGER_URL: `file:${dataDir}/ledger.db` }, encoding: 'utf8' });
    try {
      const sound = run();
      expect(sound.status, sound.stderr).toBe(0);
      expect(sound.stdout).toMatch(/^ledger verify: OK — 1 transfers/);
      await rig.client.execute("UPDATE transfers SET refs = '{}'");
      const tampered = run();
      expect(tampered.status).toBe(1);
      expect(tampered.stdout).toContain('VIOLATIONS FOUND');
      expect(tampered.stdout).toMatch(/\[hash_chain\] transfer #1 .* was changed after it was written/);
    } finally {
      await rig.close();
    }
  });
});
