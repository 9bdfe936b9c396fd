/**
 * Receipt → ESC/POS bytes for EPSON-compatible printers, built with node-thermal-printer's
 * buffer (no device is opened here; transports live in the printer adapters).
 */
import ntp from 'node-thermal-printer';
import type { Receipt } from './receipt.js';
import { asciiOnly, printableText, type CodePage } from './code-pages.js';

const { ThermalPrinter, PrinterTypes, CharacterSet } = ntp;

/** Code128 code set B (GS k 73 with "{B"); docs/hardware-lab.md: keep barcode data ASCII. */
const CODE128 = 73;

/**
 * `codePage` is the printer's (config `hardware.printer.codePage`): text it can encode is sent
 * as is, the rest transliterated (code-pages.ts).
 */
export function encodeReceipt(receipt: Receipt, columns: number, codePage: CodePage = 'PC437_USA'): Buffer {
  const text = (s: string) => printableText(s, codePage);
  const printer = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    // Required by the typings; nothing connects to it: only getBuffer() is used.
    interface: 'tcp://127.0.0.1:9',
    width: columns,
    characterSet: CharacterSet[codePage],
    removeSpecialCharacters: false,
  });
  for (const line of receipt.lines) {
    switch (line.kind) {
      case 'text':
        if (line.align === 'center') printer.alignCenter();
        else if (line.align === 'right') printer.alignRight();
        else printer.alignLeft();
        if (line.bold) printer.bold(true);
        if (line.size === 'double') printer.setTextDoubleHeight();
        printer.println(fit(text(line.text), columns));
        if (line.size === 'double') printer.setTextNormal();
        if (line.bold) printer.bold(false);
        if (line.align && line.align !== 'left') printer.alignLeft();
        break;
      case 'pair': {
        if (line.bold) printer.bold(true);
        const right = text(line.right);
        const left = fit(text(line.left), Math.max(1, columns - right.length - 1));
        printer.println(left + ' '.repeat(Math.max(1, columns - left.length - right.length)) + right);
        if (line.bold) printer.bold(false);
        break;
      }
      case 'rule':
        printer.println('-'.repeat(columns));
        break;
      case 'barcode':
        printer.alignCenter();
        printer.printBarcode(asciiOnly(line.data), CODE128, { hriPos: 2, hriFont: 0, width: 2, height: 80 });
        printer.alignLeft();
        break;
      case 'qr':
        printer.alignCenter();
        printer.printQR(asciiOnly(line.data), { cellSize: 6, correction: 'M', model: 2 });
        printer.newLine();
        printer.alignLeft();
        break;
      case 'feed':
        printer.newLine();
        break;
    }
  }
  printer.cut();
  return printer.getBuffer();
}

function fit(text: string, columns: number): string {
  return text.length <= columns ? text : `${text.slice(0, columns - 1)}~`;
}
