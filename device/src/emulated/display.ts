import { EventEmitter } from 'node:events';
import type { Display, Screen, Signal } from '../ports/display.js';
import type { HealthReport } from '../ports/health.js';
import { lcdText } from '../receipts/code-pages.js';

/** Keeps what is on screen and every signal; emits `changed` so a console can draw it. */
export class EmulatedDisplay extends EventEmitter<{ changed: [Screen]; signal: [Signal] }> implements Display {
  current: Screen = { lines: [] };
  readonly signals: Signal[] = [];

  constructor(
    readonly columns = 20,
    readonly rows = 4,
  ) {
    super();
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): HealthReport {
    return { state: 'ok' };
  }

  /** Like a character LCD: at most `rows` lines of at most `columns` ASCII characters (its ROM has no Cyrillic). */
  async show(screen: Screen): Promise<void> {
    this.current = {
      lines: screen.lines
        .slice(0, this.rows)
        .map(lcdText)
        .map((line) => (line.length <= this.columns ? line : `${line.slice(0, this.columns - 1)}~`)),
    };
    this.emit('changed', this.current);
  }

  async signal(kind: Signal): Promise<void> {
    this.signals.push(kind);
    this.emit('signal', kind);
  }

  /** The screen as one string, lines joined by newlines (for tests and logs). */
  text(): string {
    return this.current.lines.join('\n');
  }
}
