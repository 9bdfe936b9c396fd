/**
 * The kiosk's character display through johnny-five: an HD44780 LCD (16x2 or 20x4) on a
 * PCF8574 I2C backpack, driven by a Firmata board (an Arduino on USB serial), plus an LED and a
 * piezo for success / error feedback. `repl: false` always: johnny-five's REPL would read stdin
 * and exit the process when stdin closes, as it does under systemd. The LCD's character ROM has
 * no Cyrillic, so names are transliterated ("Анна" → "Anna").
 */
// Loaded when a display is started: johnny-five costs ~16 MiB of memory a kiosk without an LCD should not pay.
import type five from 'johnny-five';
import type { Logger } from '@loyalty/protocol/node';
import type { Display, Screen, Signal } from '../ports/display.js';
import type { HealthReport } from '../ports/health.js';
import { lcdText } from '../receipts/code-pages.js';

export interface LcdDisplayOptions {
  columns: 16 | 20;
  rows: 2 | 4;
  /** the backpack's I2C address: 0x27 (PCF8574) or 0x3F (PCF8574A) */
  address: number;
  controller: 'PCF8574' | 'PCF8574A' | 'PCF8574T' | 'PCF8574AT';
  /** the Firmata board's serial port; johnny-five looks for one when absent */
  port?: string;
  /** an IO plugin instead of a Firmata board (tests: mock-firmata); made when the display starts */
  io?: () => unknown;
  ledPin?: number;
  piezoPin?: number;
  /** how long to wait for the board before reporting the display down */
  readyTimeoutMs?: number;
  log: Logger;
}

export class LcdDisplay implements Display {
  readonly columns: number;
  readonly rows: number;
  current: Screen = { lines: [] };
  private board: InstanceType<typeof five.Board> | null = null;
  private lcd: InstanceType<typeof five.LCD> | null = null;
  private led: InstanceType<typeof five.Led> | null = null;
  private piezo: InstanceType<typeof five.Piezo> | null = null;
  private report: HealthReport = { state: 'absent', detail: 'not started' };
  private ledTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LcdDisplayOptions) {
    this.columns = options.columns;
    this.rows = options.rows;
  }

  health(): HealthReport {
    return this.report;
  }

  async start(): Promise<void> {
    const five = (await import('johnny-five')).default;
    const board = new five.Board({
      ...(this.options.io ? { io: this.options.io() } : {}),
      ...(this.options.port ? { port: this.options.port } : {}),
      repl: false,
      debug: false,
      timeout: this.options.readyTimeoutMs ?? 10_000,
    });
    this.board = board;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.options.readyTimeoutMs ?? 10_000);
      board.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
      board.once('error', (error: Error) => {
        clearTimeout(timer);
        this.options.log.error({ err: error.message, port: this.options.port }, 'display board failed');
        resolve(false);
      });
    });
    if (!ready) {
      // The kiosk keeps working without its display; the staff screen and telemetry say why.
      this.report = { state: 'down', detail: `display board not found${this.options.port ? ` on ${this.options.port}` : ''}` };
      return;
    }
    this.lcd = new five.LCD({ controller: this.options.controller, address: this.options.address, rows: this.rows, cols: this.columns, board });
    if (this.options.ledPin !== undefined) this.led = new five.Led({ pin: this.options.ledPin, board });
    if (this.options.piezoPin !== undefined) this.piezo = new five.Piezo({ pin: this.options.piezoPin, board });
    this.lcd.clear();
    this.report = { state: 'ok' };
  }

  async stop(): Promise<void> {
    if (this.ledTimer) clearTimeout(this.ledTimer);
    this.led?.stop().off();
    this.piezo?.noTone();
    this.lcd?.clear();
    this.lcd = null;
    // johnny-five has no documented close; the serial port closes with the process.
    this.board?.removeAllListeners();
    this.board = null;
  }

  /** Every row is written whole (padded), so nothing of the previous screen stays behind. */
  async show(screen: Screen): Promise<void> {
    const lines = Array.from({ length: this.rows }, (_, row) => fitRow(lcdText(screen.lines[row] ?? ''), this.columns));
    const shown = lines.map((l) => l.trimEnd());
    while (shown.length && shown.at(-1) === '') shown.pop();
    this.current = { lines: shown };
    if (!this.lcd) return;
    for (const [row, line] of lines.entries()) this.lcd!.cursor(row, 0).print(line);
  }

  async signal(kind: Signal): Promise<void> {
    if (this.ledTimer) clearTimeout(this.ledTimer);
    if (kind === 'success') {
      this.led?.stop().on();
      this.piezo?.frequency(2000, 120);
    } else if (kind === 'error') {
      this.led?.blink(150);
      this.piezo?.frequency(400, 350);
    } else {
      this.led?.blink(500);
    }
    this.ledTimer = setTimeout(() => this.led?.stop().off(), 2000);
    this.ledTimer.unref();
  }
}

function fitRow(text: string, columns: number): string {
  return (text.length <= columns ? text : `${text.slice(0, columns - 1)}~`).padEnd(columns, ' ');
}
