/**
 * Backup and restore as docs/operator-guide.md "Backup and restore" writes them, through the
 * operator's CLI: a backup taken while the gateway runs and earns keeps coming is a consistent,
 * verified copy; restore refuses while the ledger is open, puts the copy back with the gateway's
 * keys, `ledger verify` passes on it, and the restored gateway is trusted by a kiosk that saw
 * the old one's messages (its sequence moved ahead). The restore goes to a new machine's data dir
 * (the old disk died) where a damaged ledger was left behind.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpIdGenerator } from '@loyalty/protocol';
import type { Gateway } from '@loyalty/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { ANNA, BORIS, eventually, registerSale, seed, startGateway, startKiosk, STORE, tempDir, type TestKiosk } from '../support/system.js';

const CLI = fileURLToPath(new URL('../../gateway/dist/cli.js', import.meta.url));

/** The operator's CLI against a data dir, as a separate process (async: the gateway in this process keeps serving). */
function ledgerCli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', LOYALTY_GW_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('backup while running, restore, verify', () => {
  const work = tempDir('backup');
  const dataDir = join(work.path, 'gateway');
  const backupDir = join(work.path, 'backup-1');
  const kioskDir = tempDir('backup-kiosk');
  let gateway: Gateway;
  let k: TestKiosk | null = null;
  const ids = new OpIdGenerator();
  let receipts = 0;
  const earn = async (card: string) => {
    const receipt = { id: `B${++receipts}`, total: { amount: 1000, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    await gateway.ledger.earn({ opId: ids.next(), card: { number: card }, receipt, storeId: STORE.id, source: 'test' });
  };
  const balance = async (card: string) => (await gateway.ledger.identify({ number: card })).balance;

  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway?.stop().catch(() => undefined);
    work.remove();
    kioskDir.remove();
  });

  it('copies the ledger and the keys while earns go on, and verifies the copy', async () => {
    ({ gateway } = await startGateway(dataDir));
    await seed(gateway);
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(() => k!.kiosk.link.connected, 5000, 'kiosk connected');
    for (let i = 0; i < 10; i += 1) await earn(ANNA.number);
    const before = await balance(ANNA.number);
    // The kiosk has seen the gateway's signed replies, so its replay window holds their sequence numbers.
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k!.kiosk.agent.state === 'member', 5000, 'member shown');
    k.hardware.reader.remove();

    // Earns keep coming while the backup runs.
    let stop = false;
    const load = (async () => {
      while (!stop) await earn(BORIS.number);
    })();
    const backup = await ledgerCli(dataDir, ['backup', backupDir]);
    stop = true;
    await load;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backup in .*backup-1: gateway\.db, gateway\.key, gateway\.keyset\.json, gateway\.seq \(ledger \d+ bytes, verified: \d+ transfers, hash chain intact\)/);
    expect(statSync(backupDir).mode & 0o777).toBe(0o700);
    for (const file of ['gateway.db', 'gateway.key', 'gateway.seq']) expect(statSync(join(backupDir, file)).mode & 0o777).toBe(0o600);
    expect(before).toBe(100);
    // A second backup into the same folder is refused, not mixed with the first.
    const again = await ledgerCli(dataDir, ['backup', backupDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty; back up into a new folder/);
  }, 60_000);

  it('refuses to restore while the gateway has the ledger open', async () => {
    const refused = await ledgerCli(dataDir, ['restore', backupDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`is open in process ${process.pid}: stop the gateway`));
  });

  it('restores the copy with the gateway stopped: verify passes, balances are those of the backup, kiosks trust the restored gateway', async () => {
    const borisAtStop = await balance(BORIS.number);
    const sequenceAtStop = Number(readFileSync(join(dataDir, 'gateway.seq'), 'utf8'));
    const publicKey = gateway.publicKey;
    const mqttPort = gateway.mqttEndpoint.port;
    await gateway.stop();
    // The new machine's data dir, with what was left of a damaged ledger.
    const newDataDir = join(work.path, 'gateway-new');
    mkdirSync(newDataDir, { mode: 0o700 });
    writeFileSync(join(newDataDir, 'gateway.db'), 'not a database');
    // and a next key of a rotation the backup knows nothing of.
    writeFileSync(join(newDataDir, 'gateway.next.key'), 'a key from after the backup');

    const restored = await ledgerCli(newDataDir, ['restore', backupDir]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/the previous ledger was moved to .*gateway\.db\.before-restore-/);
    expect(restored.stdout).toMatch(/restored gateway\.db, gateway\.key, gateway\.keyset\.json, gateway\.seq into /);
    expect(Number(readFileSync(join(newDataDir, 'gateway.seq'), 'utf8'))).toBeGreaterThan(sequenceAtStop);
    const aside = /moved to (\S+)\n/.exec(restored.stdout)![1]!;
    expect(readFileSync(aside, 'utf8')).toBe('not a database');
    expect(readdirSync(newDataDir).filter((name) => name.startsWith('gateway.next.key'))).toEqual([`gateway.next.key${aside.slice(aside.indexOf('.before-restore-'))}`]);

    const verify = await ledgerCli(newDataDir, ['verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/ok/i);

    ({ gateway } = await startGateway(newDataDir, { mqtt: { port: mqttPort } }));
    expect(gateway.publicKey).toBe(publicKey);
    // Everything committed before the backup began is there; what came after it is not.
    expect(await balance(ANNA.number)).toBe(100);
    const boris = await balance(BORIS.number);
    expect(boris % 10).toBe(0);
    expect(boris).toBeLessThanOrEqual(borisAtStop);

    // The kiosk saw the old gateway's sequence numbers; the restored gateway's are above them.
    await eventually(() => k!.kiosk.link.connected, 10_000, 'kiosk reconnected');
    const slips = k!.hardware.printer.jobs.length;
    k!.hardware.reader.present(ANNA.uid);
    await eventually(() => k!.hardware.printer.jobs.length > slips, 10_000, 'balance slip after restore').catch((error: Error) => {
      throw new Error(`${error.message}; display: ${JSON.stringify(k!.hardware.display.current.lines)}`);
    });
    expect(k!.hardware.display.current.lines.slice(0, 2)).toEqual(['Hello Anna K.', 'Points: 100']);
    await earn(ANNA.number);
    expect(await balance(ANNA.number)).toBe(110);
  }, 60_000);
});
