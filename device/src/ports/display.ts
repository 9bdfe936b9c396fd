import type { HealthReport } from './health.js';

/** What the customer sees: a few short lines (a character LCD) plus a signal light / beeper. */
export interface Screen {
  lines: string[];
}

export type Signal = 'success' | 'error' | 'attention';

export interface Display {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** characters per line and lines on the device; screens are laid out to fit */
  readonly columns: number;
  readonly rows: number;
  show(screen: Screen): Promise<void>;
  /** what is on screen now */
  readonly current: Screen;
  signal(kind: Signal): Promise<void>;
  health(): HealthReport;
}
