/**
 * The rules bundle reaches the kiosk (docs/programs.md): published signed and retained by the gateway,
 * verified on receipt and again from disk, older or tampered bundles refused while the kiosk
 * keeps the one it had, and "you will earn N points" shown before a receipt is sent — the same
 * number the gateway then books.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { receiptCode } from '@loyalty/protocol';
import { decodeEscPos, receiptText, type Screen } from '@loyalty/device';
import { ANNA, STORE, eventually, readGatewayKey, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
// On the wall clock: the program without its happy hour, which adds 20 points at 17:00 in Berlin.
import { POINTS_DOC_ANY_TIME } from '../support/programs.js';

describe('rules at the kiosk', () => {
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway | null;
  let k: TestKiosk | null;

  beforeEach(async () => {
    dirs = [tempDir('gw-rules'), tempDir('kiosk-rules')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await seed(gateway);
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected);
  });
  afterEach(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  it('estimates a receipt with the cached rules, and the gateway books the same', async () => {
    await gateway!.programs.put('points', POINTS_DOC_ANY_TIME, 'test');
    const { version } = await gateway!.programs.publish('points', undefined, 'test');
    await eventually(() => k!.kiosk.rules.ruleSet?.programs[0]?.version === version, 5000, 'bundle at the kiosk');

    const shown: Screen[] = [];
    k!.hardware.display.on('changed', (screen: Screen) => shown.push(screen));
    k!.hardware.reader.present(ANNA.uid);
    await eventually(() => k!.hardware.display.current.lines[1] === 'Points: 0', 5000, 'member screen');
    // 12.34 EUR at 10 per euro = 123, plus the welcome bonus of 100 on the first purchase.
    const receipt = { id: 'T-1', total: { amount: 1234, currency: 'EUR' } };
    await registerSale(gateway!, receipt);
    k!.hardware.scanner.scan(receiptCode(receipt));
    await eventually(() => k!.hardware.display.current.lines[0] === '+223 points', 5000, 'earned screen');
    expect(shown.map((s) => s.lines.slice(0, 2).join(' / '))).toContain('You will earn / 223 points');
    expect((await gateway!.ledger.identify({ number: ANNA.number })).balance).toBe(223);
    // The slip explains which rule gave what.
    await eventually(() => k!.hardware.printer.jobs.length === 2, 5000, 'earn slip');
    const slip = receiptText(decodeEscPos(k!.hardware.printer.jobs[1]!)).join('\n');
    expect(slip).toMatch(/Points: 10 per 1\.00 EUR +\+123/);
    expect(slip).toMatch(/Welcome bonus: 100 points +\+100/);
    expect((await k!.kiosk.telemetry()).versions.rules).toBe(k!.kiosk.rules.version);
    const transfer = (await gateway!.db.execute("SELECT refs FROM transfers WHERE kind = 'earn'")).rows[0];
    expect(JSON.parse(String(transfer!.refs))).toMatchObject({ rule: `points@v${version}`, receipt: 'T-1' });
    // The canary view: what the store did in the last hour under this program.
    k!.hardware.scanner.scan(receiptCode({ id: 'NEVER-SOLD', total: { amount: 500, currency: 'EUR' } }));
    await eventually(() => k!.hardware.display.current.lines[0] === 'Receipt not found', 5000, 'refused');
    const [store] = await gateway!.programs.rollout('points');
    expect(store).toMatchObject({ storeId: STORE.id, kiosks: 1, lastHour: { earns: 1, redemptions: 0, refusals: 1 }, activeAlarms: 0 });
  });

  it('keeps its bundle across a restart and refuses older or tampered ones', async () => {
    await gateway!.programs.put('points', POINTS_DOC_ANY_TIME, 'test');
    await gateway!.programs.publish('points', undefined, 'test');
    await eventually(() => k!.kiosk.rules.version !== null, 5000, 'first bundle');
    const first = { version: k!.kiosk.rules.version!, raw: readFileSync(`${dirs[1]!.path}/rules.jws`, 'utf8') };
    await gateway!.programs.put('points', { ...POINTS_DOC_ANY_TIME, name: 'Store Points II' }, 'test');
    await gateway!.programs.publish('points', undefined, 'test');
    await eventually(() => k!.kiosk.rules.version! > first.version, 5000, 'second bundle');
    const held = k!.kiosk.rules.version!;

    // The first bundle again (validly signed, but older) is refused; the newer one stays.
    const parsed = JSON.parse(Buffer.from(first.raw.split('.')[1]!, 'base64url').toString()).body;
    expect(k!.kiosk.rules.offer(parsed, first.raw)).toEqual({ accepted: false, reason: 'older_version' });
    // A bundle whose raw form does not carry a valid signature is refused.
    const forged = { ...parsed, version: held + 10 };
    expect(
      k!.kiosk.rules.offer(
        forged,
        tamper(first.raw, (b) => (b.body.version = held + 10)),
      ),
    ).toEqual({ accepted: false, reason: 'bad_signature' });
    expect(k!.kiosk.rules.version).toBe(held);
    expect(k!.kiosk.rules.ruleSet?.programs[0]?.program.name).toBe('Store Points II');

    // Restart with no gateway: the bundle comes back from disk, its signature checked.
    await k!.kiosk.stop();
    const stateDir = dirs[1]!.path;
    const offline = { mqttPort: 1, register: false, config: { gateway: { senderIds: ['gateway'], publicKeys: [readGatewayKey(dirs[0]!.path)] } } };
    k = await startKiosk(null as unknown as Gateway, stateDir, offline);
    expect(k.kiosk.rules.version).toBe(held);
    expect(k.kiosk.rules.ruleSet?.timezone).toBe('Europe/Berlin');

    // A tampered copy on disk (a richer earn rate) fails its signature and is not used.
    await k.kiosk.stop();
    const file = `${stateDir}/rules.jws`;
    writeFileSync(
      file,
      tamper(readFileSync(file, 'utf8'), (b) => (b.body.programs[0].document.earn.rate.points = 1000)),
    );
    k = await startKiosk(null as unknown as Gateway, stateDir, offline);
    expect(k.kiosk.rules.version).toBeNull();
    expect(k.log.find((l) => String(l.msg).includes('stored rules bundle fails its signature check'))).toHaveLength(1);
  });

  it('keeps a store on its rules while another store gets a new version, and takes a rollback; an offline kiosk converges', async () => {
    await gateway!.directory.ensureStore({ id: 'berlin', name: 'Berlin', timezone: 'Europe/Berlin' });
    await gateway!.programs.put('points', POINTS_DOC_ANY_TIME, 'test');
    await gateway!.programs.publish('points', undefined, 'test');
    await eventually(() => k!.kiosk.rules.ruleSet?.programs[0]?.version === 1, 5000, 'v1 at the kiosk');
    const held = k!.kiosk.rules.version!;

    // Version 2 to another store only: this store's kiosk keeps its bundle and its program.
    await gateway!.programs.put('points', { ...POINTS_DOC_ANY_TIME, name: 'Store Points II' }, 'test');
    await gateway!.programs.publish('points', ['berlin'], 'test');
    expect(k!.kiosk.rules.version).toBe(held);
    expect(k!.kiosk.rules.ruleSet?.programs.map((p) => p.version)).toEqual([1]);

    // While the kiosk is off, its store gets version 2; it converges when it comes back.
    await k!.kiosk.stop();
    await gateway!.programs.publish('points', [STORE.id], 'test');
    k = await startKiosk(gateway!, dirs[1]!.path);
    await eventually(() => k!.kiosk.rules.ruleSet?.programs[0]?.version === 2, 5000, 'v2 after reconnect');

    // A rollback reaches the kiosk as a newer bundle with the old program.
    const rolled = await gateway!.programs.rollback(STORE.id, { programId: 'points' }, 'test');
    await eventually(() => k!.kiosk.rules.version === rolled.version, 5000, 'rollback at the kiosk');
    expect(k!.kiosk.rules.ruleSet?.programs.map((p) => `${p.program.name}@v${p.version}`)).toEqual(['Store Points@v1']);
  });
});

/** Changes a signed message's payload and keeps the old signature. */
function tamper(raw: string, change: (payload: any) => void): string {
  const [h, p, sig] = raw.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
  change(payload);
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
}
