/**
 * An HD44780 character LCD behind a PCF8574 I2C backpack, as a model that recovers the screen
 * text from the bytes johnny-five writes (docs/hardware-lab.md): P0=RS, P1=RW, P2=EN, P3=backlight,
 * P4-P7=D4-D7; a nibble is latched on EN's falling edge; the controller starts in 8-bit mode
 * until the function set selects 4-bit; DDRAM rows start at 0x00, 0x40, 0x14, 0x54.
 */
import mock from 'mock-firmata';
const ROW_STARTS = [0x00, 0x40, 0x14, 0x54];

export class Hd44780Model {
  private ddram = new Array<number>(0x80).fill(0x20);
  private address = 0;
  private fourBit = false;
  private pendingHigh: number | null = null;
  private lastByte = 0;
  backlight = false;
  writes = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {}

  /** One byte written to the PCF8574's port. */
  port(byte: number): void {
    this.writes++;
    const enFell = (this.lastByte & 0x04) !== 0 && (byte & 0x04) === 0;
    this.backlight = (byte & 0x08) !== 0;
    if (enFell) this.latch(this.lastByte & 0xf0, (this.lastByte & 0x01) === 1);
    this.lastByte = byte;
  }

  /** The text on screen, row by row, trailing spaces trimmed. */
  text(): string[] {
    return Array.from({ length: this.rows }, (_, r) => String.fromCharCode(...this.ddram.slice(ROW_STARTS[r]!, ROW_STARTS[r]! + this.columns)).trimEnd());
  }

  private latch(highBits: number, isData: boolean): void {
    const nibble = highBits >> 4;
    if (!this.fourBit) {
      // 8-bit mode: each strobe is a whole instruction with DB0-DB3 low.
      const value = nibble << 4;
      if (!isData && (value & 0xf0) === 0x20) this.fourBit = true;
      if (!isData) this.command(value);
      return;
    }
    if (this.pendingHigh === null) {
      this.pendingHigh = nibble;
      return;
    }
    const value = (this.pendingHigh << 4) | nibble;
    this.pendingHigh = null;
    if (isData) {
      this.ddram[this.address & 0x7f] = value;
      this.address = (this.address + 1) & 0x7f;
    } else this.command(value);
  }

  private command(value: number): void {
    if (value === 0x01) {
      this.ddram.fill(0x20);
      this.address = 0;
    } else if (value === 0x02 || value === 0x03) this.address = 0;
    else if (value & 0x80) this.address = value & 0x7f;
    else if ((value & 0xe0) === 0x20) this.fourBit = (value & 0x10) === 0;
  }
}

/** A mock Firmata board whose I2C writes go to an LCD model, ready as soon as johnny-five listens. */
export function firmataWithLcd(model: Hd44780Model, address = 0x27) {
  const io = new mock.Firmata();
  const digital: Array<[number, number]> = [];
  io.i2cWrite = (addr: number, data: number | number[]) => {
    if (addr === address) for (const byte of Array.isArray(data) ? data : [data]) model.port(byte);
    return io;
  };
  const write = io.digitalWrite.bind(io);
  io.digitalWrite = (pin: number, value: number) => {
    digital.push([pin, value]);
    return write(pin, value);
  };
  setImmediate(() => {
    io.emit('connect');
    io.emit('ready');
  });
  return { io, digital };
}
