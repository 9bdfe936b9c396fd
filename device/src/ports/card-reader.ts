import type { EventEmitter } from 'node:events';
import type { HealthReport } from './health.js';

export interface CardPresented {
  /** the card's UID in upper-case hex, as `FF CA 00 00 00` returns it */
  uid: string;
  /** the answer-to-reset in upper-case hex */
  atr: string;
  reader: string;
}

export interface CardReaderEvents {
  /** once per presentation: a card held on the reader is not reported again */
  card: [CardPresented];
  removed: [{ reader: string }];
  health: [HealthReport];
}

/** An NFC / contact smart-card reader (PC/SC on a real kiosk). */
export interface CardReader extends EventEmitter<CardReaderEvents> {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}
