/**
 * The card reader port against the emulated reader and the real stack: pcsclite against a real
 * (private) pcscd with vpcd virtual readers and a virtual contactless card (docs/hardware.md). Plus what
 * only the real stack does: two readers, a configured reader that is not there, and pcscd killed
 * and restarted, after which the reader comes back by itself.
 */
import { createLogger } from '@loyalty/protocol/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmulatedCardReader, PcscCardReader, loadPcsclite, type CardPresented } from '@loyalty/device';
import { PrivatePcscd, freePortPair } from '../support/pcscd.js';
import { VirtualCard } from '../support/vpcd-card.js';
import { describeWithSystem } from '../support/system-deps.js';
import { eventually } from '../support/system.js';
import { cardReaderContract } from './contracts/card-reader.js';

const quiet = createLogger({ level: 'silent', name: 'reader' });
/** vpcd's ports (the reader listens for cards there), free ones so test files can run side by side */
const BASE_PORT = await freePortPair();

cardReaderContract('emulated', async () => {
  const reader = new EmulatedCardReader();
  return { reader, present: async (uid) => reader.present(uid), remove: async () => reader.remove(), close: async () => {} };
});

describeWithSystem('PC/SC card readers (pcscd + vpcd)', ['pcscd', 'unshare'], () => {
  const pcscd = new PrivatePcscd([BASE_PORT]);
  beforeAll(async () => {
    if (!loadPcsclite()) throw new Error('the pcsclite module is not built: apt-get install libpcsclite-dev, then npm ci');
    pcscd.useFromThisProcess();
    await pcscd.start();
  }, 120_000);
  afterAll(async () => {
    await pcscd.remove();
  });

  let card: VirtualCard | null = null;
  cardReaderContract('pcsclite against pcscd with a virtual card', async () => {
    const reader = new PcscCardReader({ log: quiet, readers: ['Virtual PCD 0 00 00'], retryMinMs: 200 });
    return {
      reader,
      present: async (uid) => {
        card = new VirtualCard(uid);
        await card.insert(BASE_PORT);
      },
      remove: async () => card?.remove(),
      close: async () => card?.remove(),
    };
  });

  it('watches two readers at once and names the reader of each card', async () => {
    const reader = new PcscCardReader({ log: quiet, retryMinMs: 200 });
    const cards: CardPresented[] = [];
    reader.on('card', (c) => cards.push(c));
    await reader.start();
    await eventually(() => reader.readerNames.length === 2, 5000, 'both readers');
    const a = new VirtualCard('04A1B2C3D4E5F6');
    const b = new VirtualCard('04112233445566');
    await a.insert(BASE_PORT);
    await b.insert(BASE_PORT + 1);
    await eventually(() => cards.length === 2, 5000, 'a card on each reader');
    expect(cards.map((c) => `${c.reader}=${c.uid}`).sort()).toEqual(['Virtual PCD 0 00 00=04A1B2C3D4E5F6', 'Virtual PCD 0 00 01=04112233445566']);
    a.remove();
    b.remove();
    await reader.stop();
  });

  it('says which readers it found when the configured one is missing', async () => {
    const reader = new PcscCardReader({ log: quiet, readers: ['ACS ACR122U'], retryMinMs: 200 });
    await reader.start();
    await eventually(() => reader.health().detail?.includes('Virtual PCD 0 00 01'), 5000, 'health names the readers present');
    expect(reader.health()).toEqual({ state: 'down', detail: "no reader: 'ACS ACR122U' not found; readers present: Virtual PCD 0 00 00, Virtual PCD 0 00 01" });
    await reader.stop();
  });

  it('comes back by itself when pcscd is killed and restarted, and reads cards again', async () => {
    const reader = new PcscCardReader({ log: quiet, readers: ['Virtual PCD 0 00 00'], retryMinMs: 200, retryMaxMs: 1000 });
    const cards: CardPresented[] = [];
    reader.on('card', (c) => cards.push(c));
    await reader.start();
    await eventually(() => reader.health().state === 'ok', 5000, 'ready');
    await pcscd.kill('SIGKILL');
    // Its readers may end a moment before the connection error arrives ("no reader" first).
    await eventually(() => reader.health().state === 'down' && /^no pcscd/.test(reader.health().detail ?? ''), 5000, 'down without pcscd');
    await pcscd.start();
    await eventually(() => reader.health().state === 'ok', 10_000, 'ready again after pcscd came back');
    const c = new VirtualCard('04A1B2C3D4E5F6');
    await c.insert(BASE_PORT);
    await eventually(() => cards.length === 1, 5000, 'a card read after the restart');
    c.remove();
    await reader.stop();
  });

  it('starts without pcscd and picks it up when it starts', async () => {
    await pcscd.kill('SIGTERM');
    const reader = new PcscCardReader({ log: quiet, retryMinMs: 200, retryMaxMs: 500 });
    await reader.start();
    expect(reader.health()).toMatchObject({ state: 'down', detail: expect.stringMatching(/^no pcscd/) });
    await pcscd.start();
    await eventually(() => reader.health().state === 'ok', 10_000, 'ready once pcscd runs');
    await reader.stop();
  });
});
