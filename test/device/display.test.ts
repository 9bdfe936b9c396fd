/**
 * The display port against the emulated display and the real stack: johnny-five driving an
 * HD44780 over a PCF8574 backpack on a (mock) Firmata board, with the screen text read back
 * through an HD44780 model of the bytes on the I2C bus (docs/hardware.md).
 */
import { createLogger } from '@loyalty/protocol/node';
import { describe, expect, it } from 'vitest';
import mock from 'mock-firmata';
import { EmulatedDisplay, LcdDisplay, screenFor } from '@loyalty/device';
import { Hd44780Model, firmataWithLcd } from '../support/hd44780.js';
import { displayContract } from './contracts/display.js';

const quiet = createLogger({ level: 'silent', name: 'display' });

displayContract('emulated', async () => {
  const display = new EmulatedDisplay(20, 4);
  return { display, deviceText: () => [...display.current.lines, '', '', '', ''].slice(0, 4), close: async () => {} };
});

for (const [columns, rows] of [
  [16, 2],
  [20, 4],
] as const) {
  displayContract(`HD44780 ${columns}x${rows} via johnny-five (mock Firmata + LCD model)`, async () => {
    const model = new Hd44780Model(columns, rows);
    const display = new LcdDisplay({ columns, rows, address: 0x27, controller: 'PCF8574', io: () => firmataWithLcd(model).io, ledPin: 13, piezoPin: 3, log: quiet, readyTimeoutMs: 2000 });
    return { display, deviceText: () => model.text(), close: async () => {} };
  });
}

describe('LCD specifics', () => {
  it('transliterates Cyrillic names for the LCD ROM and lays out the member screen to fit 16x2', async () => {
    const model = new Hd44780Model(16, 2);
    const display = new LcdDisplay({ columns: 16, rows: 2, address: 0x27, controller: 'PCF8574', io: () => firmataWithLcd(model).io, log: quiet, readyTimeoutMs: 2000 });
    await display.start();
    await display.show(
      screenFor(display, {
        screen: 'member',
        member: { name: 'Анна К.', balance: 1234, cardMasked: '*0009', tier: null, nextTier: null, wallet: null, nextExpiry: null, personalOffers: [], memberships: [], canSpend: false },
      }),
    );
    expect(model.text()).toEqual(['Hello Anna K.', 'Points: 1234']);
    expect(model.backlight).toBe(true);
    await display.stop();
  });

  it('drives the LED for success and error', async () => {
    const model = new Hd44780Model(20, 4);
    const rig = firmataWithLcd(model);
    const display = new LcdDisplay({ columns: 20, rows: 4, address: 0x27, controller: 'PCF8574', io: () => rig.io, ledPin: 13, log: quiet, readyTimeoutMs: 2000 });
    await display.start();
    await display.signal('success');
    expect(rig.digital).toContainEqual([13, 1]);
    await display.stop();
    expect(rig.digital.at(-1)).toEqual([13, 0]);
  });

  it('reports the display down, without failing the kiosk, when the board never answers', async () => {
    const display = new LcdDisplay({ columns: 16, rows: 2, address: 0x27, controller: 'PCF8574', io: () => new mock.Firmata(), log: quiet, readyTimeoutMs: 300 });
    await display.start();
    expect(display.health()).toEqual({ state: 'down', detail: 'display board not found' });
    await display.show({ lines: ['Still', 'works'] });
    expect(display.current.lines).toEqual(['Still', 'works']);
  });
});
