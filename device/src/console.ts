/**
 * A terminal front for an emulated kiosk: a person types `tap`, `scan`, `remove`, and sees the
 * display and every printed slip (decoded back from the ESC/POS bytes). Used by `npm start`.
 */
import { createInterface, type Interface } from 'node:readline';
import { normaliseUid, receiptCode, type ReceiptRef } from '@loyalty/protocol';
import type { EmulatedHardware } from './emulated/index.js';
import type { KioskAgent } from './agent.js';
import { decodeEscPos, receiptText } from './receipts/escpos-decoder.js';
import type { Screen } from './ports/display.js';

export const CONSOLE_HELP = `commands:
  tap <uid>            present an NFC card by its UID (hex, e.g. 04A1B2C3D4E5F6)
  tap <card number>    present a printed card (same as scanning its barcode)
  remove               take the card off the reader
  scan <code>          scan a barcode: a card number or a till receipt RCPT:<id>:<cents>:<CUR>
                       (a receipt the till never registered earns nothing: "Receipt not found")
  receipt <amount>     the till registers a sale for that amount, then its receipt is scanned,
                       e.g. receipt 12.50
  printer paper|out|offline|online   change the emulated printer's state
  status               connection and outbox state
  help                 this list
  quit                 stop (same as Ctrl-C)`;

export interface ConsoleOptions {
  hardware: EmulatedHardware;
  agent: () => KioskAgent;
  status: () => Promise<string>;
  currency: string;
  /** the demo's till: registers the sale (POST /sales) before its receipt is scanned */
  till?: (receipt: ReceiptRef) => Promise<void>;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  onQuit: () => void;
}

export function drawScreen(screen: Screen, columns: number): string {
  const border = `+${'-'.repeat(columns + 2)}+`;
  return [border, ...screen.lines.map((l) => `| ${l.padEnd(columns)} |`), border].join('\n');
}

export class KioskConsole {
  private rl: Interface | null = null;
  private receiptCounter = 0;

  constructor(private readonly options: ConsoleOptions) {}

  start(): void {
    const { hardware, output } = this.options;
    const write = (text: string) => output.write(`${text}\n`);
    hardware.display.on('changed', (screen) => write(`\nDISPLAY\n${drawScreen(screen, hardware.display.columns)}`));
    hardware.display.on('signal', (signal) => write(`  (${signal === 'success' ? 'green light, beep' : signal === 'error' ? 'red light, double beep' : 'amber light'})`));
    hardware.printer.on('printed', (job) => {
      const lines = receiptText(decodeEscPos(job));
      const width = hardware.printer.columns;
      write(`\nPRINTED SLIP\n${'~'.repeat(width)}\n${lines.join('\n')}\n${'~'.repeat(width)}`);
    });
    this.options.agent().on('lateResult', (reply) => {
      write(`\n(an operation saved while offline was answered: ${reply.result.status === 'ok' ? 'booked' : `${reply.result.code}`}, ${reply.kind} ${reply.opId.slice(0, 8)})`);
    });
    this.rl = createInterface({ input: this.options.input, output: this.options.output, prompt: 'kiosk> ' });
    this.rl.on('line', (line) => void this.handle(line.trim()).then(() => this.rl?.prompt()));
    this.rl.on('close', () => this.options.onQuit());
    write(CONSOLE_HELP);
    this.rl.prompt();
  }

  stop(): void {
    const rl = this.rl;
    this.rl = null;
    rl?.removeAllListeners('close');
    rl?.close();
  }

  private async handle(line: string): Promise<void> {
    const { hardware, output } = this.options;
    const say = (text: string): void => void output.write(`${text}\n`);
    const [command, ...args] = line.split(/\s+/);
    const arg = args.join(' ');
    switch (command) {
      case '':
        return;
      case 'tap': {
        if (/^\d{5,19}$/.test(arg)) hardware.scanner.scan(arg);
        else {
          const uid = normaliseUid(arg);
          if (!uid) return say('tap needs a card number (digits) or a UID of 8, 14 or 20 hex digits');
          hardware.reader.present(uid);
        }
        break;
      }
      case 'remove':
        hardware.reader.remove();
        return;
      case 'scan':
        if (!arg) return say('scan needs a code');
        hardware.scanner.scan(arg);
        break;
      case 'receipt': {
        const amount = Math.round(Number(arg.replace(',', '.')) * 100);
        if (!Number.isFinite(amount) || amount <= 0) return say('receipt needs an amount such as 12.50');
        this.receiptCounter += 1;
        const receipt = { id: `T${Date.now().toString(36).toUpperCase()}${this.receiptCounter}`, total: { amount, currency: this.options.currency } };
        if (this.options.till) {
          try {
            await this.options.till(receipt);
            say(`(the till registered sale ${receipt.id})`);
          } catch (error) {
            return say(`the till could not register the sale: ${(error as Error).message}`);
          }
        }
        const code = receiptCode(receipt);
        say(`(scanning ${code})`);
        hardware.scanner.scan(code);
        break;
      }
      case 'printer':
        if (arg === 'out') hardware.printer.paper = 'out';
        else if (arg === 'paper') hardware.printer.paper = 'ok';
        else if (arg === 'offline') hardware.printer.online = false;
        else if (arg === 'online') hardware.printer.online = true;
        else return say('printer paper|out|offline|online');
        return say(`printer: ${JSON.stringify(hardware.printer.health())}`);
      case 'status':
        return say(await this.options.status());
      case 'help':
        return say(CONSOLE_HELP);
      case 'quit':
      case 'exit':
        this.options.onQuit();
        return;
      default:
        return say(`unknown command "${command}"; type help`);
    }
    await this.options.agent().settled();
  }
}
