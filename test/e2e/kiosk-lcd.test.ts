/**
 * The journeys on the small-screen variant: a 20x4 HD44780 driven by johnny-five over a (mock)
 * Firmata board, its text read back from the bytes on the I2C bus by the LCD model, with the card
 * and the scanner as the only input, against a real gateway over MQTT (docs/kiosk-page.md). The
 * LCD's ROM has no Cyrillic: Russian screens are transliterated.
 */
import { afterEach, expect, it, describe } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { receiptCode } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { LcdDisplay } from '@loyalty/device';
import { ANNA, BORIS, STORE, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { Hd44780Model, firmataWithLcd } from '../support/hd44780.js';
import { PAID_DOC, POINTS_DOC_ANY_TIME } from '../support/programs.js';

describe('the journeys on a 20x4 LCD', () => {
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway;
  let k: TestKiosk;
  let model: Hd44780Model;
  let rig: ReturnType<typeof firmataWithLcd>;

  async function setUp(config: Record<string, unknown>): Promise<void> {
    dirs = [tempDir('gw-lcd'), tempDir('kiosk-lcd')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await seed(gateway);
    // On the wall clock: no happy hour that would add 20 points at 17:00 in Berlin.
    for (const doc of [POINTS_DOC_ANY_TIME, PAID_DOC]) {
      await gateway.programs.put(doc.id, doc, 'test');
      await gateway.programs.publish(doc.id, undefined, 'test');
    }
    model = new Hd44780Model(20, 4);
    rig = firmataWithLcd(model);
    const display = new LcdDisplay({
      columns: 20,
      rows: 4,
      address: 0x27,
      controller: 'PCF8574',
      io: () => rig.io,
      ledPin: 13,
      log: createLogger({ level: 'silent', name: 'lcd' }),
      readyTimeoutMs: 2000,
    });
    k = await startKiosk(gateway, dirs[1]!.path, { config: { ...config, page: { enabled: false } }, display });
    await eventually(() => k.kiosk.link.connected && k.kiosk.rules.version !== null, 5000, 'kiosk online with its rules');
  }

  afterEach(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  const lcd = () => model.text().map((line) => line.trimEnd());

  it('shows the member and collects points in Russian, transliterated for the ROM', async () => {
    await setUp({ locale: 'ru' });
    await eventually(() => lcd()[0] === 'Dobro pozhalovat!', 5000, 'welcome in Russian');
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => lcd()[1] === 'Bally: 0', 5000, 'member screen');
    expect(lcd()[0]).toBe('Anna K.');
    const receipt = { id: 'T-LCD-1', total: { amount: 1234, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    k.hardware.scanner.scan(receiptCode(receipt));
    // 223 балла: the word follows the number, as Russian has it.
    await eventually(() => lcd()[0] === '+223 balla', 5000, 'earned');
    expect(lcd().slice(1, 3)).toEqual(['Balans: 223', 'Spasibo!']);
    expect(rig.digital).toContainEqual([13, 1]);
  });

  it('answers at the club entrance with the LED, and returns to the door screen', async () => {
    await setUp({ mode: 'entrance', entranceProgram: 'plus' });
    await eventually(() => lcd()[0] === 'Members entrance', 5000, 'door screen');
    k.hardware.reader.present(BORIS.uid);
    await eventually(() => lcd()[0] === 'Not a member', 5000, 'refused');
    expect(lcd()[1]).toBe('Plus');
    await gateway.ledger.joinMembership({ opId: '0190b5a0-0000-7000-8000-000000000004', card: { number: ANNA.number }, programId: 'plus', storeId: STORE.id, source: 'test-till' });
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => lcd()[0] === 'Welcome, Anna K.', 5000, 'welcomed');
    expect(lcd()[1]).toBe('Plus');
    expect(lcd()[2]).toMatch(/^Member until /);
    expect(rig.digital).toContainEqual([13, 1]);
    await eventually(() => lcd()[0] === 'Members entrance', 6000, 'back to the door screen');
    // The gateway away: the door says it cannot check, not a balance message.
    await gateway.stop();
    await eventually(() => !k.kiosk.link.connected, 5000, 'kiosk offline');
    k.hardware.reader.remove();
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => lcd()[0] === 'Cannot check now', 5000, 'cannot check');
    expect(lcd()[1]).toBe('Please ask staff');
  });
});
