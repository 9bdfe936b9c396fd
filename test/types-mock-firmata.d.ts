/** mock-firmata ships no types (docs/hardware-lab.md): what the display tests use. */
declare module 'mock-firmata' {
  import { EventEmitter } from 'node:events';
  class Firmata extends EventEmitter {
    i2cWrite: (address: number, data: number | number[]) => unknown;
    digitalWrite: (pin: number, value: number) => unknown;
  }
  const mock: { Firmata: typeof Firmata };
  export default mock;
}
