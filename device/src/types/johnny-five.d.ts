/**
 * The part of johnny-five the kiosk uses. @types/johnny-five lacks the LCD `address` option and
 * the PCF8574 controller (docs/hardware-lab.md), so the kiosk declares what it calls.
 */
declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events';

  interface BoardOptions {
    io?: unknown;
    port?: string;
    repl?: boolean;
    debug?: boolean;
    timeout?: number;
  }
  class Board extends EventEmitter {
    constructor(options: BoardOptions);
    readonly isReady: boolean;
    readonly io: { i2cWrite(address: number, data: number | number[]): void } & Record<string, unknown>;
  }
  class LCD {
    constructor(options: { controller: string; address?: number; rows: number; cols: number; board: Board; backlight?: number });
    clear(): this;
    cursor(row: number, col: number): this;
    print(text: string): this;
    on(): this;
    off(): this;
    backlight(): this;
    noBacklight(): this;
  }
  class Led {
    constructor(options: { pin: number | string; board: Board });
    on(): this;
    off(): this;
    blink(ms?: number): this;
    stop(): this;
  }
  class Piezo {
    constructor(options: { pin: number | string; board: Board });
    frequency(frequency: number, duration: number): this;
    noTone(): this;
    off(): this;
  }
  const five: { Board: typeof Board; LCD: typeof LCD; Led: typeof Led; Piezo: typeof Piezo };
  export default five;
}
