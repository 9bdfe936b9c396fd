/**
 * A small ESC/POS tokenizer: enough of the EPSON command set to turn the bytes a printer would
 * receive back into text lines, styles, barcodes, QR codes and cuts. No such decoder exists on
 * npm (docs/hardware-lab.md). Unknown commands raise an error naming the byte offset, so an encoder bug
 * cannot hide.
 */
import { decodeText } from './code-pages.js';

export interface DecodedLine {
  text: string;
  align: 'left' | 'center' | 'right';
  bold: boolean;
  doubleHeight: boolean;
}

export interface DecodedReceipt {
  lines: DecodedLine[];
  barcodes: Array<{ type: number; data: string }>;
  qrCodes: string[];
  cuts: number;
  codePage: number;
}

export class EscPosDecodeError extends Error {
  override readonly name = 'EscPosDecodeError';
}

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const LF = 0x0a;
const CR = 0x0d;

/** ESC commands with a fixed number of argument bytes. */
const ESC_ARGS: Record<number, number> = {
  0x40: 0, // @ initialise
  0x74: 1, // t code page
  0x61: 1, // a justification
  0x45: 1, // E emphasis
  0x47: 1, // G double-strike
  0x2d: 1, // - underline
  0x21: 1, // ! print mode
  0x64: 1, // d feed n lines
  0x4a: 1, // J feed n dots
  0x4d: 1, // M font
  0x52: 1, // R international set
  0x7b: 1, // { upside down
  0x32: 0, // 2 default line spacing
  0x33: 1, // 3 line spacing
  0x56: 1, // V rotate
  0x70: 3, // p cash drawer pulse
  0x42: 2, // B beep (some models)
};

/** GS commands with a fixed number of argument bytes. */
const GS_ARGS: Record<number, number> = {
  0x21: 1, // ! character size
  0x42: 1, // B reverse
  0x48: 1, // H HRI position
  0x66: 1, // f HRI font
  0x68: 1, // h barcode height
  0x77: 1, // w barcode width
  0x72: 1, // r status request
  0x4c: 2, // L left margin
  0x57: 2, // W print area width
};

/** Text bytes are read in the code page the bytes selected (ESC t n), CP437 until one does. */
export function decodeEscPos(bytes: Uint8Array): DecodedReceipt {
  const out: DecodedReceipt = { lines: [], barcodes: [], qrCodes: [], cuts: 0, codePage: 0 };
  let align: DecodedLine['align'] = 'left';
  let bold = false;
  let doubleHeight = false;
  let text: number[] = [];
  let i = 0;
  const need = (n: number) => {
    if (i + n > bytes.length) throw new EscPosDecodeError(`command at offset ${i - 1} is cut short`);
  };
  const endLine = () => {
    out.lines.push({ text: decodeText(Uint8Array.from(text), out.codePage), align, bold, doubleHeight });
    text = [];
  };

  while (i < bytes.length) {
    const b = bytes[i++]!;
    if (b === LF) {
      endLine();
    } else if (b === CR) {
      // ignored: LF ends a line
    } else if (b === ESC) {
      need(1);
      const cmd = bytes[i++]!;
      const n = ESC_ARGS[cmd];
      if (n === undefined) throw new EscPosDecodeError(`unknown ESC 0x${cmd.toString(16)} at offset ${i - 2}`);
      need(n);
      const arg = bytes[i];
      if (cmd === 0x40) {
        align = 'left';
        bold = false;
        doubleHeight = false;
      } else if (cmd === 0x74) out.codePage = arg!;
      else if (cmd === 0x61) align = (['left', 'center', 'right'] as const)[arg! % 48] ?? 'left';
      else if (cmd === 0x45) bold = (arg! & 1) === 1;
      else if (cmd === 0x21) doubleHeight = (arg! & 0x10) !== 0;
      i += n;
    } else if (b === GS) {
      need(1);
      const cmd = bytes[i++]!;
      if (cmd === 0x56) {
        // GS V m [n]: cut; m 65/66 carry a feed amount
        need(1);
        const m = bytes[i++]!;
        if (m === 65 || m === 66) i += 1;
        out.cuts += 1;
      } else if (cmd === 0x6b) {
        need(1);
        const type = bytes[i++]!;
        let data: Uint8Array;
        if (type <= 6) {
          const end = bytes.indexOf(0, i);
          if (end < 0) throw new EscPosDecodeError(`barcode at offset ${i - 3} has no NUL terminator`);
          data = bytes.subarray(i, end);
          i = end + 1;
        } else {
          need(1);
          const len = bytes[i++]!;
          need(len);
          data = bytes.subarray(i, i + len);
          i += len;
        }
        let value = latin1(data);
        if (type === 73 && value.startsWith('{')) value = value.slice(2); // code set selector
        out.barcodes.push({ type, data: value });
      } else if (cmd === 0x28) {
        // GS ( fn pL pH …: a block of pL + 256·pH bytes
        need(3);
        const fn = bytes[i]!;
        const len = bytes[i + 1]! + 256 * bytes[i + 2]!;
        i += 3;
        need(len);
        const block = bytes.subarray(i, i + len);
        // QR store-data: GS ( k … cn=49 fn=80 m=48 data
        if (fn === 0x6b && block[0] === 49 && block[1] === 80) out.qrCodes.push(latin1(block.subarray(3)));
        i += len;
      } else if (cmd === 0x76) {
        // GS v 0 m xL xH yL yH: raster image
        need(6);
        const width = bytes[i + 2]! + 256 * bytes[i + 3]!;
        const height = bytes[i + 4]! + 256 * bytes[i + 5]!;
        i += 6 + width * height;
      } else {
        const n = GS_ARGS[cmd];
        if (n === undefined) throw new EscPosDecodeError(`unknown GS 0x${cmd.toString(16)} at offset ${i - 2}`);
        need(n);
        i += n;
      }
    } else if (b === DLE) {
      need(2); // DLE EOT n: real-time status request
      i += 2;
    } else if (b < 0x20) {
      throw new EscPosDecodeError(`unexpected control byte 0x${b.toString(16)} at offset ${i - 1}`);
    } else {
      text.push(b);
    }
  }
  if (text.length) endLine();
  return out;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

/** The printed text only, trailing spaces trimmed: what a person would read off the paper. */
export function receiptText(decoded: DecodedReceipt): string[] {
  return decoded.lines.map((l) => l.text.trimEnd());
}
