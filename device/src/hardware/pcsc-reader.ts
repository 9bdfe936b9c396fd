/**
 * NFC / smart-card readers over PC/SC (`pcsclite` against pcscd). docs/hardware-lab.md facts this
 * follows:
 * - connect in SHARED mode (the default is exclusive, which would lock other PC/SC users out);
 * - the UID comes from the reader's pseudo-APDU `FF CA 00 00 00` (answer: UID + 90 00);
 * - `pcsclite()` throws when pcscd is not running, and after pcscd dies the context never
 *   recovers ("RPC transport error"): close everything and create a new context, with backoff;
 * - after a removal pcscd may report a ghost "present" until its next poll, so a card is reported
 *   once per presentation: only on the change from empty to present;
 * - pcsclite calls our status, error and end listeners while it holds the reader's (non-recursive)
 *   mutex, and `close()` takes that mutex: anything that may close or talk to a reader is
 *   deferred out of those listeners (setImmediate), or the process deadlocks.
 * Several readers are watched at once (all, or those named in config). Health says which of
 * `no pcscd`, `no reader` or `ready` holds, naming what was found.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Logger } from '@loyalty/protocol/node';
import type { CardReader, CardReaderEvents } from '../ports/card-reader.js';
import type { HealthReport } from '../ports/health.js';

/** The slice of the `pcsclite` module the adapter uses (the package ships no types). */
interface PcscReader extends EventEmitter {
  name: string;
  state: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_EMPTY: number;
  SCARD_SHARE_SHARED: number;
  SCARD_LEAVE_CARD: number;
  connect(options: { share_mode: number }, cb: (err: Error | null, protocol: number) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: Error | null, data: Buffer) => void): void;
  disconnect(disposition: number, cb: (err: Error | null) => void): void;
  close(): void;
}
interface PcscContext extends EventEmitter {
  close(): void;
}
type PcscFactory = () => PcscContext;

const GET_UID = Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]);

/** Loads the optional native module; null when it is not installed (npm ci without libpcsclite-dev). */
export function loadPcsclite(): PcscFactory | null {
  try {
    return createRequire(import.meta.url)('pcsclite') as PcscFactory;
  } catch {
    return null;
  }
}

export interface PcscCardReaderOptions {
  log: Logger;
  /** reader names (or the start of them) to use; every reader when empty */
  readers?: string[];
  retryMinMs?: number;
  retryMaxMs?: number;
  /** injected in unit tests; the real module otherwise */
  pcsclite?: PcscFactory | null;
}

export class PcscCardReader extends EventEmitter<CardReaderEvents> implements CardReader {
  private context: PcscContext | null = null;
  private readonly readers = new Map<string, PcscReader>();
  /** names of readers with a card on them, so a card is reported once per presentation */
  private readonly present = new Set<string>();
  /** readers found but not wanted (config): kept to close them, pcsclite watches every reader */
  private readonly ignored = new Map<string, PcscReader>();
  private retry: NodeJS.Timeout | null = null;
  private retryMs: number;
  private stopped = true;
  private report: HealthReport = { state: 'absent', detail: 'not started' };
  private readonly factory: PcscFactory | null;

  constructor(private readonly options: PcscCardReaderOptions) {
    super();
    this.factory = options.pcsclite === undefined ? loadPcsclite() : options.pcsclite;
    this.retryMs = options.retryMinMs ?? 500;
  }

  health(): HealthReport {
    return this.report;
  }

  /** Names of the readers in use now. */
  get readerNames(): string[] {
    return [...this.readers.keys()];
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.factory) {
      this.setHealth({ state: 'down', detail: 'no PC/SC: the pcsclite module is not installed (apt-get install libpcsclite-dev, then npm ci)' });
      return;
    }
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.closeAll();
  }

  private open(): void {
    if (this.stopped) return;
    try {
      this.context = this.factory!();
    } catch (error) {
      this.setHealth({ state: 'down', detail: `no pcscd: ${(error as Error).message}` });
      this.scheduleReopen();
      return;
    }
    this.context.on('reader', (reader: PcscReader) => this.attach(reader));
    this.context.on('error', (error: Error) => setImmediate(() => this.lost(error)));
    // The reader list arrives asynchronously; until a usable one does, there is no reader.
    this.updateHealth();
  }

  private attach(reader: PcscReader): void {
    const wanted = this.options.readers ?? [];
    if (wanted.length && !wanted.some((name) => reader.name.startsWith(name))) {
      this.ignored.set(reader.name, reader);
      reader.on('error', () => {});
      reader.on('end', () => this.ignored.delete(reader.name));
      this.updateHealth();
      return;
    }
    this.readers.set(reader.name, reader);
    this.options.log.info({ reader: reader.name }, 'card reader found');
    this.retryMs = this.options.retryMinMs ?? 500;
    reader.on('status', (status: { state: number; atr?: Buffer }) => setImmediate(() => this.changed(reader, status)));
    reader.on('error', (error: Error) => setImmediate(() => this.lost(error, reader)));
    reader.on('end', () => {
      this.readers.delete(reader.name);
      this.present.delete(reader.name);
      this.options.log.warn({ reader: reader.name }, 'card reader removed');
      this.updateHealth();
    });
    this.updateHealth();
  }

  private changed(reader: PcscReader, status: { state: number; atr?: Buffer }): void {
    if (this.readers.get(reader.name) !== reader) return; // closed since the event was queued
    const isPresent = (status.state & reader.SCARD_STATE_PRESENT) !== 0;
    if (isPresent && !this.present.has(reader.name)) {
      this.present.add(reader.name);
      this.readUid(reader, status.atr ?? Buffer.alloc(0));
    } else if (!isPresent && this.present.has(reader.name)) {
      this.present.delete(reader.name);
      this.emit('removed', { reader: reader.name });
    }
  }

  private readUid(reader: PcscReader, atr: Buffer): void {
    reader.connect({ share_mode: reader.SCARD_SHARE_SHARED }, (error, protocol) => {
      if (error) {
        this.options.log.warn({ reader: reader.name, err: error.message }, 'could not connect to the card; lift it and present it again');
        this.present.delete(reader.name);
        return;
      }
      reader.transmit(GET_UID, 40, protocol, (err, data) => {
        reader.disconnect(reader.SCARD_LEAVE_CARD, () => {});
        const ok = !err && data.length >= 2 && data[data.length - 2] === 0x90 && data[data.length - 1] === 0x00;
        if (!ok) {
          this.options.log.warn({ reader: reader.name, err: err?.message, answer: data?.toString('hex') }, 'the card did not give its UID');
          return;
        }
        const uid = data
          .subarray(0, data.length - 2)
          .toString('hex')
          .toUpperCase();
        this.emit('card', { uid, atr: atr.toString('hex').toUpperCase(), reader: reader.name });
      });
    });
  }

  /** pcscd went away (or a reader failed for good): start over with a new context. */
  private lost(error: Error, reader?: PcscReader): void {
    if (this.stopped || !this.context) return;
    this.options.log.warn({ err: error.message, reader: reader?.name }, 'PC/SC connection lost; reconnecting');
    this.closeAll();
    this.setHealth({ state: 'down', detail: `no pcscd: ${error.message}` });
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.stopped || this.retry) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? 5000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.open();
    }, delay);
    this.retry.unref();
  }

  private closeAll(): void {
    // Every reader pcsclite opened, used or not, is closed before the context (a reader left
    // open keeps the context's release waiting).
    for (const reader of [...this.readers.values(), ...this.ignored.values()]) {
      reader.removeAllListeners('status');
      try {
        reader.close();
      } catch {
        // already closed by pcsclite
      }
    }
    this.readers.clear();
    this.present.clear();
    this.ignored.clear();
    const context = this.context;
    this.context = null;
    if (context) {
      context.removeAllListeners('reader');
      try {
        context.close();
      } catch {
        // the daemon is gone; nothing to release
      }
    }
  }

  private updateHealth(): void {
    if (!this.context) return;
    if (this.readers.size > 0) {
      this.setHealth({ state: 'ok', detail: `ready: ${[...this.readers.keys()].join(', ')}` });
      return;
    }
    const wanted = this.options.readers ?? [];
    const found = [...this.ignored.keys()];
    const detail = wanted.length
      ? `no reader: ${wanted.map((w) => `'${w}'`).join(', ')} not found; readers present: ${found.length ? found.join(', ') : 'none'}`
      : 'no reader: pcscd runs but no reader is connected';
    this.setHealth({ state: 'down', detail });
  }

  private setHealth(report: HealthReport): void {
    if (report.state === this.report.state && report.detail === this.report.detail) return;
    this.report = report;
    this.options.log.info({ ...report }, 'card reader health');
    this.emit('health', report);
  }
}
