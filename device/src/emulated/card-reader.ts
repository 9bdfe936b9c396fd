import { EventEmitter } from 'node:events';
import type { CardReader, CardReaderEvents } from '../ports/card-reader.js';
import type { HealthReport } from '../ports/health.js';

/** MIFARE Classic 1K as an ACR122U reports it (docs/hardware-lab.md). */
export const EMULATED_ATR = '3B8F8001804F0CA000000306030001000000006A';

/** An in-process card reader: `present()` a UID, `remove()` it. For unit tests and the demo. */
export class EmulatedCardReader extends EventEmitter<CardReaderEvents> implements CardReader {
  private current: string | null = null;

  constructor(readonly readerName = 'Emulated Reader 00') {
    super();
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.current = null;
  }

  health(): HealthReport {
    return { state: 'ok' };
  }

  /** Places a card; a card already lying there is removed first, as a person would. */
  present(uid: string): void {
    if (this.current === uid) return; // one event per presentation
    if (this.current) this.remove();
    this.current = uid;
    this.emit('card', { uid, atr: EMULATED_ATR, reader: this.readerName });
  }

  remove(): void {
    if (!this.current) return;
    this.current = null;
    this.emit('removed', { reader: this.readerName });
  }
}
