/**
 * The hotlist reaches the kiosks (docs/customers-and-cards.md): a card blocked at the gateway is refused at the
 * kiosk even while the gateway is down, and after a kiosk restart from its signed copy on disk.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, BORIS, eventually, readGatewayKey, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describe('hotlist at the kiosk', () => {
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway | null;
  let k: TestKiosk | null;

  beforeEach(async () => {
    dirs = [tempDir('gw-hot'), tempDir('kiosk-hot')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await seed(gateway);
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected);
  });
  afterEach(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  it('refuses a blocked card offline and after a restart, and ignores an older or tampered hotlist', async () => {
    await gateway!.cards.block({ number: ANNA.number, reason: 'reported stolen', actor: 'test' });
    await eventually(() => k!.kiosk.hotlist.version !== null && k!.kiosk.hotlist.isBlocked({ uid: ANNA.uid }), 5000, 'hotlist at the kiosk');
    const version = k!.kiosk.hotlist.version!;

    await gateway!.stop();
    gateway = null;
    await eventually(() => !k!.kiosk.link.connected);
    k!.hardware.reader.present(ANNA.uid);
    await eventually(() => k!.hardware.display.current.lines[0] === 'Card blocked', 3000, 'blocked while offline');
    // A card that is not blocked still goes to the gateway (and finds it offline).
    k!.hardware.reader.present(BORIS.uid);
    await eventually(() => k!.hardware.display.current.lines[0] === 'Kiosk offline', 5000);

    // Restart the kiosk with no gateway at all: the hotlist comes back from disk, signature checked.
    await k!.kiosk.stop();
    const stateDir = dirs[1]!.path;
    k = await startKiosk(null as unknown as Gateway, stateDir, { mqttPort: 1, register: false, config: { gateway: { senderIds: ['gateway'], publicKeys: [readGatewayKey(dirs[0]!.path)] } } });
    expect(k.kiosk.hotlist.version).toBe(version);
    k.hardware.scanner.scan(ANNA.number);
    await eventually(() => k!.hardware.display.current.lines[0] === 'Card blocked', 3000, 'blocked after restart');

    // An older version is refused.
    expect(k.kiosk.hotlist.offer({ version: version - 1, numbers: [], uids: [] }, 'x')).toBe(false);
    expect(k.kiosk.hotlist.isBlocked({ number: ANNA.number })).toBe(true);

    // A tampered copy on disk fails its signature and is ignored at the next start.
    await k.kiosk.stop();
    const file = `${stateDir}/hotlist.jws`;
    const [h, p, sig] = readFileSync(file, 'utf8').split('.');
    const body = JSON.parse(Buffer.from(p!, 'base64url').toString());
    body.body.numbers = [];
    writeFileSync(file, `${h}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${sig}`);
    k = await startKiosk(null as unknown as Gateway, stateDir, { mqttPort: 1, register: false, config: { gateway: { senderIds: ['gateway'], publicKeys: [readGatewayKey(dirs[0]!.path)] } } });
    expect(k.kiosk.hotlist.version).toBeNull();
    expect(k.log.find((l) => String(l.msg).includes('fails its signature check'))).toHaveLength(1);
  });
});
