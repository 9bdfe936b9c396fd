/**
 * The kiosk agent: a state machine over the ports (docs/architecture.md).
 *
 *   idle ──card/scan──▶ identifying ──ok──▶ member ──receipt scan──▶ earning ──▶ member
 *     ▲                     │ error/offline        │ timeout                         │
 *     └─────────────────────┴──────────────────────┴─────────────────────────────────┘
 *
 * Inputs are handled one at a time, in arrival order, so a second tap while a request is out
 * waits its turn instead of interleaving screens and slips.
 */
import { EventEmitter } from 'node:events';
import { EvaluationError, classifyScan, evaluate, receiptBasket, type CardRef, type RuleSet, type IdentifyData, type OpIdGenerator, type ReceiptRef, type Reply } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { OfflineError, type Requests } from './link/requests.js';
import type { BarcodeScanner } from './ports/barcode-scanner.js';
import type { CardReader } from './ports/card-reader.js';
import type { Display, Screen } from './ports/display.js';
import type { ReceiptPrinter } from './ports/receipt-printer.js';
import { encodeReceipt } from './receipts/encode.js';
import { balanceSlip, copyOf, earnReceipt, pendingEarnReceipt, testPage, type SlipHeader } from './receipts/layouts.js';
import type { Receipt } from './receipts/receipt.js';
import { receiptRefusal, screens, withPrinterWarning } from './ui/screens.js';

export type AgentStateName = 'idle' | 'identifying' | 'member' | 'earning';

export interface AgentOptions {
  kioskId: string;
  storeName: string;
  requestTimeoutMs: number;
  memberScreenMs: number;
}

export interface AgentDeps {
  reader: CardReader;
  scanner: BarcodeScanner;
  printer: ReceiptPrinter;
  display: Display;
  requests: Requests;
  opIds: OpIdGenerator;
  log: Logger;
  /** blocked cards, refused without asking the gateway (works offline) */
  hotlist?: { isBlocked(card: CardRef): boolean };
  /** the store's cached rules, to say what a receipt will earn before it is sent */
  rules?: { readonly ruleSet: RuleSet | null };
  /** what time it is, for the earnings estimate (injected by tests; timers are faked with the test clock) */
  clock?: { now(): number };
}

export interface AgentEvents {
  state: [AgentStateName];
  /** an operation that was pending (offline) got its answer later */
  lateResult: [Reply];
}

export class KioskAgent extends EventEmitter<AgentEvents> {
  private stateName: AgentStateName = 'idle';
  private member: { card: CardRef; data: IdentifyData } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly onCard = ({ uid }: { uid: string }) => this.enqueue(() => this.identify({ uid }));
  private readonly onScan = ({ code }: { code: string }) => this.enqueue(() => this.scanned(code));
  private readonly onSettled = (reply: Reply) => this.emit('lateResult', reply);
  private outOfService = false;
  private lastSlip: Receipt | null = null;

  /** The gateway refused this kiosk (revoked): say so, and take no customer input. */
  async setOutOfService(out: boolean): Promise<void> {
    if (out === this.outOfService) return;
    this.outOfService = out;
    if (out) {
      this.member = null;
      await this.show(screens.outOfService(this.deps.display));
    } else {
      await this.goIdle();
    }
  }

  constructor(
    private readonly deps: AgentDeps,
    private options: AgentOptions,
  ) {
    super();
  }

  get state(): AgentStateName {
    return this.stateName;
  }

  async start(): Promise<void> {
    this.deps.reader.on('card', this.onCard);
    this.deps.scanner.on('scan', this.onScan);
    this.deps.requests.on('settled', this.onSettled);
    await this.goIdle();
  }

  async stop(): Promise<void> {
    this.deps.reader.off('card', this.onCard);
    this.deps.scanner.off('scan', this.onScan);
    this.deps.requests.off('settled', this.onSettled);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.queue;
  }

  /** Resolves when every input received so far has been handled (tests, console). */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(work: () => Promise<void>): void {
    if (this.outOfService) return;
    this.queue = this.queue.then(work).catch((error: Error) => {
      this.deps.log.error({ err: error.message }, 'kiosk action failed');
      return this.show(screens.failed(this.deps.display, 'please try again')).then(() => this.goIdle(3000));
    });
  }

  private setState(name: AgentStateName): void {
    this.stateName = name;
    this.emit('state', name);
  }

  private async show(screen: Screen): Promise<void> {
    await this.deps.display.show(screen);
  }

  private async goIdle(afterMs = 0): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const reset = async () => {
      this.member = null;
      this.setState('idle');
      await this.show(screens.welcome(this.deps.display));
    };
    if (afterMs === 0) return reset();
    this.idleTimer = setTimeout(() => this.enqueue(reset), afterMs);
    this.idleTimer.unref();
  }

  private async scanned(code: string): Promise<void> {
    const scan = classifyScan(code);
    switch (scan.kind) {
      case 'card':
        return this.identify({ number: scan.number });
      case 'receipt':
        if (!this.member) {
          await this.show(screens.tapFirst(this.deps.display));
          await this.deps.display.signal('attention');
          return this.goIdle(5000);
        }
        return this.earn(this.member, scan.receipt);
      case 'invalid_card_number':
        await this.show(screens.invalidNumber(this.deps.display));
        await this.deps.display.signal('error');
        return this.goIdle(5000);
      case 'unknown':
        await this.show(screens.unknownCode(this.deps.display));
        await this.deps.display.signal('error');
        return this.goIdle(5000);
    }
  }

  private async identify(card: CardRef): Promise<void> {
    if (this.deps.hotlist?.isBlocked(card)) {
      this.member = null;
      await this.show(screens.blocked(this.deps.display));
      await this.deps.display.signal('error');
      return this.goIdle(5000);
    }
    this.setState('identifying');
    await this.show(screens.reading(this.deps.display));
    let reply: Reply<'identify'>;
    try {
      reply = await this.deps.requests.call({ kind: 'identify', opId: this.deps.opIds.next(), card }, this.options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await this.show(screens.offline(this.deps.display));
      await this.deps.display.signal('error');
      return this.goIdle(5000);
    }
    if (reply.result.status === 'error') {
      await this.show(reply.result.code === 'card_not_found' ? screens.notRecognised(this.deps.display) : screens.failed(this.deps.display, reply.result.message));
      await this.deps.display.signal('error');
      return this.goIdle(5000);
    }
    const data = reply.result.data;
    if (data.status !== 'active') {
      await this.show(data.status === 'blocked' ? screens.blocked(this.deps.display) : screens.unlinked(this.deps.display));
      await this.deps.display.signal('error');
      return this.goIdle(5000);
    }
    this.member = { card, data };
    this.setState('member');
    await this.show(screens.member(this.deps.display, { name: data.displayName, balance: data.balance }));
    await this.deps.display.signal('success');
    await this.print(balanceSlip(this.header('BALANCE', reply.serverTime), { name: data.displayName, cardMasked: data.cardNumberMasked, balance: data.balance, tier: data.tier }));
    await this.goIdle(this.options.memberScreenMs);
  }

  private async earn(member: { card: CardRef; data: IdentifyData }, receipt: ReceiptRef): Promise<void> {
    this.setState('earning');
    const estimate = this.estimate(member.data, receipt);
    await this.show(estimate === null ? screens.collecting(this.deps.display) : screens.estimate(this.deps.display, estimate));
    const request = { kind: 'earn' as const, opId: this.deps.opIds.next(), card: member.card, receipt };
    // Durable before anything is shown or printed as a result (docs/architecture.md).
    const { reply } = await this.deps.requests.submit(request, this.options.requestTimeoutMs);
    let answer: Reply<'earn'>;
    try {
      answer = await reply;
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await this.show(screens.earnPending(this.deps.display));
      await this.deps.display.signal('attention');
      await this.print(pendingEarnReceipt(this.header('POINTS PENDING', null), { cardMasked: member.data.cardNumberMasked, receiptId: receipt.id, opId: request.opId }));
      return this.goIdle(this.options.memberScreenMs);
    }
    if (answer.result.status === 'error') {
      await this.show(receiptRefusal(this.deps.display, answer.result.code, answer.result.message));
      await this.deps.display.signal('error');
      this.setState('member');
      return this.goIdle(this.options.memberScreenMs);
    }
    const data = answer.result.data;
    member.data = { ...member.data, balance: data.balance };
    this.setState('member');
    await this.show(screens.earned(this.deps.display, data));
    await this.deps.display.signal('success');
    await this.print(
      earnReceipt(this.header('POINTS COLLECTED', answer.serverTime), {
        cardMasked: data.cardNumberMasked,
        receiptId: receipt.id,
        pointsEarned: data.pointsEarned,
        balance: data.balance,
        lines: data.lines,
      }),
    );
    await this.goIdle(this.options.memberScreenMs);
  }

  /**
   * What the store's rules say this receipt earns, from the cached bundle and the member snapshot
   * of the identify reply; null when either is missing or the rules refuse the basket (the
   * gateway then answers with the reason).
   */
  private estimate(data: IdentifyData, receipt: ReceiptRef): number | null {
    const rules = this.deps.rules?.ruleSet;
    if (!rules || !data.member) return null;
    try {
      return evaluate(receiptBasket(rules.storeId, receipt), data.member, rules, (this.deps.clock ?? Date).now()).pointsEarned;
    } catch (error) {
      if (error instanceof EvaluationError) return null;
      throw error;
    }
  }

  private header(title: string, serverTime: string | null): SlipHeader {
    return { title, storeName: this.options.storeName, kioskId: this.options.kioskId, serverTime };
  }

  /** New screen and request timeouts from the operator's desired configuration. */
  configure(changes: { memberScreenMs?: number; requestTimeoutMs?: number }): void {
    if (changes.memberScreenMs !== undefined) this.options = { ...this.options, memberScreenMs: changes.memberScreenMs };
    if (changes.requestTimeoutMs !== undefined) this.options = { ...this.options, requestTimeoutMs: changes.requestTimeoutMs };
  }

  /** The timeouts in force (the file's, or the operator's desired ones). */
  get timeouts(): { memberScreenMs: number; requestTimeoutMs: number } {
    return { memberScreenMs: this.options.memberScreenMs, requestTimeoutMs: this.options.requestTimeoutMs };
  }

  /** The last slip again, marked as a copy (a fleet command). */
  async reprintLast(): Promise<void> {
    if (!this.lastSlip) throw new Error('this kiosk has printed nothing since it started');
    await this.deps.printer.print(encodeReceipt(copyOf(this.lastSlip), this.deps.printer.columns, this.deps.printer.codePage));
  }

  /** A test page (a fleet command): the printer's width, code page and a barcode. */
  async printTestPage(): Promise<void> {
    const { printer } = this.deps;
    await printer.print(encodeReceipt(testPage(this.header('TEST PAGE', null), { columns: printer.columns, codePage: String(printer.codePage) }), printer.columns, printer.codePage));
  }

  private async print(receipt: Receipt): Promise<void> {
    this.lastSlip = receipt;
    try {
      await this.deps.printer.print(encodeReceipt(receipt, this.deps.printer.columns, this.deps.printer.codePage));
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'receipt not printed');
      await this.show(withPrinterWarning(this.deps.display, this.deps.display.current ?? { lines: [] }));
      await this.deps.display.signal('attention');
    }
  }
}
