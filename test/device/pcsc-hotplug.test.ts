/**
 * Readers plugged in and pulled out while the kiosk runs. vpcd readers cannot be unplugged
 * (they are configured, not USB), so this drives the adapter with an in-memory stand-in for the
 * pcsclite module that emits what pcsclite emits: `reader` for a new reader, `end` when one goes.
 */
import { EventEmitter } from 'node:events';
import { createLogger } from '@loyalty/protocol/node';
import { describe, expect, it } from 'vitest';
import { PcscCardReader, type CardPresented } from '@loyalty/device';

/** The adapter handles pcsclite's events on the next turn of the event loop. */
const tick = () => new Promise((resolve) => setImmediate(resolve));
const PRESENT = 0x20;
const EMPTY = 0x10;

class FakeReader extends EventEmitter {
  state = EMPTY;
  closed = false;
  readonly SCARD_STATE_PRESENT = PRESENT;
  readonly SCARD_STATE_EMPTY = EMPTY;
  readonly SCARD_SHARE_SHARED = 2;
  readonly SCARD_LEAVE_CARD = 0;
  shareModes: number[] = [];
  constructor(readonly name: string) {
    super();
  }
  connect(options: { share_mode: number }, cb: (err: Error | null, protocol: number) => void) {
    this.shareModes.push(options.share_mode);
    cb(null, 2);
  }
  transmit(_data: Buffer, _len: number, _protocol: number, cb: (err: Error | null, data: Buffer) => void) {
    cb(null, Buffer.from('04A1B2C3D4E5F69000', 'hex'));
  }
  disconnect(_d: number, cb: (err: Error | null) => void) {
    cb(null);
  }
  close() {
    this.closed = true;
  }
  status(state: number) {
    this.emit('status', { state, atr: Buffer.from('3B8F80', 'hex') });
    this.state = state;
  }
}

class FakeContext extends EventEmitter {
  close() {}
}

describe('PC/SC readers plugged and unplugged', () => {
  it('goes to "no reader" when its only reader is pulled out and reads cards again when it is back', async () => {
    const context = new FakeContext();
    const reader = new PcscCardReader({ log: createLogger({ level: 'silent', name: 'r' }), pcsclite: () => context });
    const cards: CardPresented[] = [];
    reader.on('card', (c) => cards.push(c));
    await reader.start();
    expect(reader.health()).toEqual({ state: 'down', detail: 'no reader: pcscd runs but no reader is connected' });

    const first = new FakeReader('ACS ACR122U 00 00');
    context.emit('reader', first);
    expect(reader.health()).toEqual({ state: 'ok', detail: 'ready: ACS ACR122U 00 00' });
    first.status(PRESENT);
    first.status(PRESENT); // held: no second event
    await tick();
    expect(cards.map((c) => c.uid)).toEqual(['04A1B2C3D4E5F6']);
    expect(first.shareModes).toEqual([2]);

    first.emit('end');
    expect(reader.health().detail).toBe('no reader: pcscd runs but no reader is connected');

    const again = new FakeReader('ACS ACR122U 00 00');
    context.emit('reader', again);
    expect(reader.health().state).toBe('ok');
    again.status(PRESENT);
    await tick();
    expect(cards).toHaveLength(2);
    await reader.stop();
    expect(again.closed).toBe(true);
  });

  it('says so when pcsclite is not installed', async () => {
    const reader = new PcscCardReader({ log: createLogger({ level: 'silent', name: 'r' }), pcsclite: null });
    await reader.start();
    expect(reader.health()).toMatchObject({ state: 'down', detail: expect.stringContaining('pcsclite module is not installed') });
  });
});
