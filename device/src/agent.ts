/**
 * The kiosk agent: a state machine over the ports (docs/architecture.md).
 *
 *   idle ──card/scan──▶ identifying ──ok──▶ member ──receipt scan──▶ earning ──▶ member
 *     ▲                     │ error/offline        │ timeout / Done                  │
 *     └─────────────────────┴──────────────────────┴─────────────────────────────────┘
 *
 * Inputs (taps, scans, the touchscreen's buttons) are handled one at a time, in arrival order,
 * so a second tap while a request is out waits its turn instead of interleaving screens and
 * slips. What is shown is one Presentation (ui/view.ts) that the LCD and the touchscreen page
 * both draw: the page is a view of this state machine, not a second one (docs/kiosk-page.md).
 */
import { EventEmitter } from 'node:events';
import {
  EvaluationError,
  classifyScan,
  evaluate,
  receiptBasket,
  type CardRef,
  type CouponData,
  type RequestKind,
  type RequestOf,
  type RuleSet,
  type IdentifyData,
  type OpIdGenerator,
  type ReceiptRef,
  type Reply,
  type StaffRef,
  type StaffShiftData,
} from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { issuedCoupon, type CouponJournal, type CouponEntry } from './coupon-journal.js';
import { OfflineError, type Requests } from './link/requests.js';
import { JournalWriteError } from './outbox/outbox.js';
import type { BarcodeScanner } from './ports/barcode-scanner.js';
import type { CardReader } from './ports/card-reader.js';
import type { Display, Signal } from './ports/display.js';
import { encodeReceipt } from './receipts/encode.js';
import { balanceSlip, copyOf, couponReceipt, earnReceipt, pendingEarnReceipt, staffReport, testPage, type SlipHeader } from './receipts/layouts.js';
import type { Receipt } from './receipts/receipt.js';
import { couponValidDays, memberView, offersFor } from './ui/member-view.js';
import { receiptRefusal, screenFor, withPrinterWarning } from './ui/screens.js';
import { WORDS, formatClock, formatLocalTime } from './ui/text.js';
import { STAFF_WORDS } from './ui/staff-text.js';
import { StaffMode } from './staff/staff-mode.js';
import type { ShiftFile } from './staff/shift-file.js';
import type { StaffCard } from './staff-cache.js';
import { LANGUAGES, type Lang, type MemberView, type Notice, type Offer, type Presentation, type StaffAction, type View } from './ui/view.js';
import { PrinterError, type ReceiptPrinter } from './ports/receipt-printer.js';
import type { OfflineDesk, OfflineRefusal } from './offline/offline-desk.js';

/** How long the entrance's answer stays up: long enough to read from the door, short enough for the next in line. */
const ENTRANCE_ANSWER_MS = 4000;

export type AgentStateName = 'idle' | 'identifying' | 'member' | 'earning' | 'choosing' | 'redeeming' | 'confirming' | 'coupon' | 'registering' | 'staff';

export interface AgentOptions {
  kioskId: string;
  storeName: string;
  requestTimeoutMs: number;
  /** how long a journey left alone stays on screen before the welcome screen returns */
  memberScreenMs: number;
  /** the store's language: every journey starts in it (the page has a button for the other) */
  locale?: Lang;
  /** a touchscreen shows the page: journeys that need typing (registration) are offered */
  touchscreen?: boolean;
  /** an entrance kiosk: every card is checked against this club program, nothing else is offered */
  entranceProgram?: string;
  /** a coupon the kiosk restarted before printing prints at start only if answered this recently */
  couponPrintWindowMs?: number;
  /** staff mode ends by itself after this long without input (docs/staff.md) */
  staffIdleMs?: number;
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
  /** the coupons to print, on disk (coupon-journal.ts); without it coupons print from memory only */
  coupons?: CouponJournal;
  /** the store's staff cards (staff-cache.ts): without it no card opens staff mode */
  staff?: { byCard(uid: string): StaffCard | null; onChange(listener: () => void): void };
  /** when this kiosk's shift started, for the shift report (staff/shift-file.ts) */
  shift?: ShiftFile;
  /** offline mode (docs/offline.md): the card tokens seen, and the limits of paying out offline */
  offline?: { tokens: { remember(token: string): void }; desk: OfflineDesk };
}

export interface AgentEvents {
  state: [AgentStateName];
  /** what every screen shows now (the touchscreen page listens) */
  view: [Presentation];
  /** an operation that was pending (offline) got its answer later */
  lateResult: [Reply];
}

/** What the touchscreen page may ask for (ui/page-server.ts); anything else is refused by name. */
export type PageAction =
  | { action: 'language'; lang?: Lang }
  | { action: 'done' }
  | { action: 'back' }
  | { action: 'rewards' }
  | { action: 'redeem'; offer: string }
  | { action: 'code'; code: string }
  | { action: 'register' }
  | { action: 'byPhone' }
  | { action: 'phone'; phone: string }
  | { action: 'name'; name: string; marketing: boolean }
  | { action: 'link'; marketing?: boolean }
  | { action: 'staff'; value: StaffAction }
  | { action: 'staffNumber'; staffNumber: string }
  | { action: 'staffFind' }
  | { action: 'staffPhone'; staffPhone: string }
  | { action: 'staffCode'; staffCode: string }
  | { action: 'staffPick'; value: string }
  | { action: 'staffReason'; value: string }
  | { action: 'staffNote'; staffNote: string }
  | { action: 'staffPoints'; staffPoints: string; value: '+' | '-' };

export class KioskAgent extends EventEmitter<AgentEvents> {
  private stateName: AgentStateName = 'idle';
  private member: { card: CardRef; data: IdentifyData; view: MemberView; offline?: boolean } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly onCard = ({ uid }: { uid: string }) => this.enqueue(() => this.cardPresented({ uid }));
  private readonly onScan = ({ code }: { code: string }) => this.enqueue(() => this.scanned(code));
  private readonly onSettled = (reply: Reply) => {
    this.emit('lateResult', reply);
    const issued = issuedCoupon(reply);
    if (issued) this.lateCoupon(reply.opId, issued.coupon, issued.balance);
  };
  /** spending requests sent in this journey, and in journeys that ended before their answer came (bounded) */
  private readonly journeyOps = new Set<string>();
  private readonly abandonedOps = new Set<string>();
  private outOfService = false;
  private lastSlip: { receipt: Receipt; lang: Lang } | null = null;
  private presentation: Presentation;
  /** slips dropped unprinted because their customer had left (telemetry) */
  droppedSlips = 0;
  /** the offers on screen, a hold waiting for its SMS code, the coupons of this journey not printed yet */
  private offers: Offer[] = [];
  private hold: { holdId: string; confirmationId: string; points: number } | null = null;
  private readonly journeyCoupons = new Map<string, CouponEntry>();
  private couponRetry: NodeJS.Timeout | null = null;
  /** a card being registered here, and how far: the phone sent (registrationId); the screen says the rest */
  private registration: { card: CardRef; registrationId?: string; phoneMasked?: string; staff?: StaffRef; cardMasked?: string } | null = null;
  private readonly staffMode: StaffMode;
  /** a customer signing in with their phone instead of a card, and how far: the code sent (lookupId) */
  private phoneSignIn: { lookupId?: string; phoneMasked?: string } | null = null;

  constructor(
    private readonly deps: AgentDeps,
    private options: AgentOptions,
  ) {
    super();
    this.presentation = { view: { screen: 'welcome' }, lang: options.locale ?? 'en', timeZone: 'UTC', idleAt: null, printerWarning: false, seq: 0 };
    this.staffMode = new StaffMode(
      {
        present: (view) => this.present(view),
        signal: (signal) => this.deps.display.signal(signal),
        idleAfter: (ms) => this.goIdle(ms),
        leave: () => this.goIdle(),
        reprintLast: async () => {
          if (!this.lastSlip) return false;
          await this.reprintLast();
          return true;
        },
        printTestPage: () => this.printTestPage(),
        printShiftReport: (staffName, shift) => this.printShiftReport(staffName, shift),
        startIssue: (card, staff) => this.staffIssue(card, staff),
      },
      {
        requests: deps.requests,
        opIds: deps.opIds,
        log: deps.log,
        staffCard: (uid) => deps.staff?.byCard(uid) ?? null,
        shift: deps.shift,
        requestTimeoutMs: () => this.options.requestTimeoutMs,
        idleMs: this.staffIdleMs,
        now: () => this.now(),
      },
    );
  }

  get state(): AgentStateName {
    return this.stateName;
  }

  /** What the screens show now. */
  get current(): Presentation {
    return this.presentation;
  }

  /** The gateway refused this kiosk (revoked): say so, and take no customer input. */
  async setOutOfService(out: boolean): Promise<void> {
    if (out === this.outOfService) return;
    this.outOfService = out;
    if (out) {
      this.endJourney();
      await this.present({ screen: 'outOfService' }, { idleAt: null });
    } else {
      await this.goIdle();
    }
  }

  async start(): Promise<void> {
    this.deps.reader.on('card', this.onCard);
    this.deps.scanner.on('scan', this.onScan);
    this.deps.requests.on('settled', this.onSettled);
    this.deps.staff?.onChange(() => this.enqueue(() => this.staffMode.recheck()));
    await this.goIdle();
    this.enqueue(() => this.printLeftoverCoupons());
  }

  async stop(): Promise<void> {
    this.deps.reader.off('card', this.onCard);
    this.deps.scanner.off('scan', this.onScan);
    this.deps.requests.off('settled', this.onSettled);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.couponRetry) clearInterval(this.couponRetry);
    await this.queue;
  }

  /** Resolves when every input received so far has been handled (tests, console). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** A button on the touchscreen page; handled in turn with taps and scans. */
  pageInput(input: PageAction): void {
    this.enqueue(async () => {
      switch (input.action) {
        case 'language': {
          const lang = input.lang ?? LANGUAGES[(LANGUAGES.indexOf(this.presentation.lang) + 1) % LANGUAGES.length]!;
          await this.present(this.presentation.view, { lang });
          return;
        }
        case 'done':
          if (this.stateName !== 'idle') await this.goIdle();
          return;
        case 'back':
          if (this.staffMode.active) return this.staffMode.back();
          if ((this.stateName === 'choosing' || this.stateName === 'coupon') && this.member) return this.showMember(this.member.view);
          return;
        case 'staff':
          return this.staffMode.choose(input.value);
        case 'staffNumber':
          return this.staffMode.cardNumber(input.staffNumber);
        case 'staffFind':
          return this.staffMode.findByPhone();
        case 'staffPhone':
          return this.staffMode.phone(input.staffPhone);
        case 'staffCode':
          return this.staffMode.code(input.staffCode);
        case 'staffPick':
          return this.staffMode.pick(input.value);
        case 'staffReason':
          return this.staffMode.reason(input.value);
        case 'staffNote':
          return this.staffMode.note(input.staffNote);
        case 'staffPoints':
          return this.staffMode.points((input.value === '-' ? -1 : 1) * Number(input.staffPoints));
        case 'rewards':
          return this.showOffers();
        case 'redeem':
          return this.redeem(input.offer);
        case 'code': {
          const view = this.presentation.view;
          if (view.screen === 'registerCode') return view.identify ? this.phoneSignInCode(input.code) : this.registrationCode(input.code);
          return this.confirmCode(input.code);
        }
        case 'byPhone':
          return this.startPhoneSignIn();
        case 'register':
          if (this.registration && this.presentation.view.screen === 'unregistered') await this.present({ screen: 'enterPhone', invalid: false });
          return;
        case 'phone':
          return this.presentation.view.screen === 'enterPhone' && this.presentation.view.identify ? this.phoneSignInPhone(input.phone) : this.registrationPhone(input.phone);
        case 'name':
          return this.completeRegistration({ name: input.name, marketingConsent: input.marketing });
        case 'link':
          return this.completeRegistration({ marketingConsent: input.marketing ?? false });
      }
    });
  }

  private enqueue(work: () => Promise<void>): void {
    if (this.outOfService) return;
    this.queue = this.queue.then(work).catch(async (error: Error) => {
      if (error instanceof JournalWriteError) {
        // Nothing was recorded, so nothing was done: the customer is told so, the fleet sees the storage down.
        this.deps.log.error({ code: error.code }, 'operation refused: the journal cannot be written');
        await this.notice('cannotRecord');
        return this.goIdle(this.options.memberScreenMs);
      }
      this.deps.log.error({ err: error.message }, 'kiosk action failed');
      return this.present({ screen: 'notice', notice: 'failed' }).then(() => this.goIdle(3000));
    });
  }

  private setState(name: AgentStateName): void {
    this.stateName = name;
    this.emit('state', name);
  }

  /** Shows a view on every screen: the LCD's lines now, the page through the `view` event. */
  private async present(view: View, changes: Partial<Omit<Presentation, 'view' | 'seq'>> = {}): Promise<void> {
    const timeZone = this.deps.rules?.ruleSet?.timezone ?? this.presentation.timeZone;
    this.presentation = { ...this.presentation, printerWarning: false, timeZone, ...changes, view, seq: this.presentation.seq + 1 };
    const { display } = this.deps;
    const screen = screenFor(display, view, this.presentation.lang);
    await display.show(this.presentation.printerWarning ? withPrinterWarning(display, screen, this.presentation.lang) : screen);
    this.emit('view', this.presentation);
  }

  private async notice(notice: Notice, signal: Signal = 'error', detail?: string): Promise<void> {
    await this.present({ screen: 'notice', notice, ...(detail ? { detail } : {}) });
    await this.deps.display.signal(signal);
  }

  /**
   * Back to the welcome screen, now or after `afterMs` (shown as a countdown). When the journey
   * ends nothing of the member stays: not on screen, and not as a slip still held by a printer
   * without paper, which would otherwise print for the next customer.
   */
  private async goIdle(afterMs = 0): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const reset = async () => {
      this.endJourney();
      this.setState('idle');
      await this.present({ screen: 'welcome', ...(this.options.entranceProgram ? { entrance: true } : {}) }, { lang: this.options.locale ?? 'en', idleAt: null });
    };
    if (afterMs === 0) return reset();
    this.presentation = { ...this.presentation, idleAt: this.now() + afterMs };
    this.emit('view', this.presentation);
    this.idleTimer = setTimeout(() => this.enqueue(reset), afterMs);
    this.idleTimer.unref();
  }

  /**
   * Forgets the journey: its member, offers, a hold waiting for its code, a registration half
   * done, its coupons not printed and the slips the printer still holds for them.
   */
  private endJourney(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.member = null;
    this.offers = [];
    if (this.hold) this.releaseHold(this.hold.holdId);
    this.hold = null;
    this.registration = null;
    this.phoneSignIn = null;
    this.staffMode.end();
    this.endCouponsOfJourney();
    for (const opId of this.journeyOps) this.abandonedOps.add(opId);
    this.journeyOps.clear();
    while (this.abandonedOps.size > 100) this.abandonedOps.delete(this.abandonedOps.values().next().value!);
    const dropped = this.deps.printer.dropHeld();
    this.droppedSlips += dropped;
    if (dropped) this.deps.log.info({ dropped }, 'slips held for the customer who left were dropped');
  }

  private now(): number {
    return (this.deps.clock ?? Date).now();
  }

  private async scanned(code: string): Promise<void> {
    const scan = classifyScan(code);
    switch (scan.kind) {
      case 'card':
        return this.cardPresented({ number: scan.number });
      case 'receipt':
        // Staff mode has no receipts to collect: a stray scan is ignored, the staff screen stays.
        if (this.staffMode.active) return;
        if (!this.member) {
          await this.notice('tapFirst', 'attention');
          return this.goIdle(5000);
        }
        return this.earn(this.member, scan.receipt);
      case 'invalid_card_number':
        await this.notice('invalidNumber');
        return this.goIdle(5000);
      case 'unknown':
        await this.notice('unknownCode');
        return this.goIdle(5000);
    }
  }

  /**
   * A card starts a new journey: whatever the last one left (a half-done registration, a hold) ends
   * here. A staff card opens (or, tapped again, closes) staff mode; while it is open a customer card
   * goes to the staff step waiting for one, or ends staff mode and starts the customer's journey.
   */
  private async cardPresented(card: CardRef): Promise<void> {
    if (!this.options.entranceProgram) {
      const staff = 'uid' in card ? (this.deps.staff?.byCard(card.uid) ?? null) : null;
      if (staff) {
        if (!this.staffMode.active && this.stateName !== 'idle') this.endJourney();
        this.setState('staff');
        return this.staffMode.staffCardTapped(staff);
      }
      if (this.staffMode.wantsCard) {
        await this.staffMode.customerCard(card);
        return;
      }
    }
    if (this.stateName !== 'idle') this.endJourney();
    return this.options.entranceProgram ? this.entrance(card, this.options.entranceProgram) : this.identify(card);
  }

  /**
   * Staff issue a card: the registration steps (the customer's phone and SMS code, then their
   * name or their existing account), on behalf of the staff card, back to the staff menu after.
   */
  private async staffIssue(card: CardRef, staff: StaffRef): Promise<void> {
    this.setState('registering');
    await this.present({ screen: 'registering' });
    let reply: Reply<'identify'>;
    try {
      reply = await this.deps.requests.call({ kind: 'identify', opId: this.deps.opIds.next(), card }, this.options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      this.setState('staff');
      return this.staffMode.issueEnded({ kind: 'onlineOnly' });
    }
    this.setState('staff');
    if (reply.result.status === 'error') {
      return this.staffMode.issueEnded(reply.result.code === 'card_not_found' ? { kind: 'cardNotFound' } : { kind: 'refused', code: reply.result.code, detail: reply.result.message });
    }
    const data = reply.result.data;
    if (data.status === 'blocked') return this.staffMode.issueEnded({ kind: 'refused', code: 'card_blocked', detail: WORDS[this.presentation.lang].notice.blocked.title });
    if (data.status === 'active') return this.staffMode.issueEnded({ kind: 'alreadyRegistered', cardMasked: data.cardNumberMasked });
    this.registration = { card, staff, cardMasked: data.cardNumberMasked };
    this.setState('registering');
    await this.present({ screen: 'enterPhone', invalid: false });
    return this.goIdle(this.staffIdleMs);
  }

  /**
   * The club entrance: every card gets a full-screen answer, green or red, with the light and the
   * beeper to match, then the door's idle screen again. The gateway logs each one.
   */
  private async entrance(card: CardRef, programId: string): Promise<void> {
    if (this.deps.hotlist?.isBlocked(card)) {
      await this.present({ screen: 'entrance', entry: { allowed: false, reason: 'card_blocked', name: null, programName: '', validUntil: null, renewal: null } });
      await this.deps.display.signal('error');
      return this.goIdle(ENTRANCE_ANSWER_MS);
    }
    this.setState('identifying');
    await this.present({ screen: 'reading' });
    let reply: Reply<'entrance'>;
    try {
      reply = await this.deps.requests.call({ kind: 'entrance', opId: this.deps.opIds.next(), card, programId }, this.options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await this.notice('entranceOffline');
      return this.goIdle(ENTRANCE_ANSWER_MS);
    }
    if (reply.result.status === 'error') {
      await this.notice('failed', 'error', reply.result.message);
      return this.goIdle(ENTRANCE_ANSWER_MS);
    }
    const { displayName, ...entry } = reply.result.data;
    this.setState('member');
    await this.present({ screen: 'entrance', entry: { ...entry, name: displayName } });
    await this.deps.display.signal(entry.allowed ? 'success' : 'error');
    return this.goIdle(ENTRANCE_ANSWER_MS);
  }

  private async identify(card: CardRef, justRegistered?: { addedToAccount: boolean }): Promise<void> {
    if (this.deps.hotlist?.isBlocked(card)) {
      this.member = null;
      await this.notice('blocked');
      return this.goIdle(5000);
    }
    this.setState('identifying');
    await this.present({ screen: 'reading' });
    let reply: Reply<'identify'>;
    try {
      reply = await this.deps.requests.call({ kind: 'identify', opId: this.deps.opIds.next(), card }, this.options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      return this.identifyOffline(card);
    }
    if (reply.result.status === 'error') {
      if (reply.result.code === 'card_not_found') await this.notice('notRecognised');
      else await this.notice('failed', 'error', reply.result.message);
      return this.goIdle(5000);
    }
    const data = reply.result.data;
    if (data.status === 'unlinked' && this.options.touchscreen) return this.offerRegistration(card, data);
    if (data.status !== 'active') {
      await this.notice(data.status === 'blocked' ? 'blocked' : 'unlinked');
      return this.goIdle(5000);
    }
    const view = memberView(data, this.deps.rules?.ruleSet ?? null, this.now(), justRegistered);
    this.member = { card, data, view };
    await this.showMember(view);
    await this.deps.display.signal('success');
    await this.print(
      balanceSlip(this.header(this.words.slip.balance, reply.serverTime), { name: view.name, cardMasked: view.cardMasked, balance: view.balance, tier: view.tier, nextExpiry: view.nextExpiry }),
    );
    // After the customer sees their balance: the token is for the next time the gateway is away.
    if (data.offline) this.deps.offline?.tokens.remember(data.offline.token);
  }

  /**
   * The gateway did not answer: the member from their card token, if this kiosk holds a valid one
   * (docs/offline.md), labelled "balance as of" the token's time, less what was spent offline since.
   */
  private async identifyOffline(card: CardRef): Promise<void> {
    const found = await this.deps.offline?.desk.identify(card);
    if (!found?.ok) {
      if (found) this.deps.log.info({ reason: found.reason }, 'no usable card token for an offline tap');
      await this.notice('offline');
      return this.goIdle(5000);
    }
    const { claims, spent } = found.value;
    const member = claims.identify.member;
    const data: IdentifyData = {
      ...claims.identify,
      balance: claims.identify.balance - spent,
      ...(member ? { member: { ...member, availablePoints: member.availablePoints - spent } } : {}),
    };
    const view = { ...memberView(data, this.deps.rules?.ruleSet ?? null, this.now()), asOf: formatClock(claims.issuedAt, this.presentation.lang, this.presentation.timeZone) };
    this.member = { card, data, view, offline: true };
    await this.showMember(view);
    await this.deps.display.signal('attention');
  }

  private async earn(member: { card: CardRef; data: IdentifyData; view: MemberView }, receipt: ReceiptRef): Promise<void> {
    this.setState('earning');
    const estimate = this.estimate(member.data, receipt);
    await this.present({ screen: 'collecting', member: member.view, estimate });
    const request = { kind: 'earn' as const, opId: this.deps.opIds.next(), card: member.card, receipt };
    // Durable before anything is shown or printed as a result (docs/architecture.md).
    // Known to be offline: nobody waits for the answer (pending at once; it comes as a late result).
    const { reply } = await this.deps.requests.submit(request, this.deps.requests.online ? this.options.requestTimeoutMs : 0);
    let answer: Reply<'earn'>;
    try {
      answer = await reply;
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await this.present({ screen: 'earnPending', member: member.view });
      await this.deps.display.signal('attention');
      await this.print(pendingEarnReceipt(this.header(this.words.slip.pending, null), { cardMasked: member.view.cardMasked, receiptId: receipt.id, opId: request.opId }));
      return this.goIdle(this.options.memberScreenMs);
    }
    if (answer.result.status === 'error') {
      const notice = receiptRefusal(answer.result.code);
      await this.notice(notice, 'error', notice === 'failed' ? answer.result.message : undefined);
      this.setState('member');
      return this.goIdle(this.options.memberScreenMs);
    }
    const data = answer.result.data;
    member.data = { ...member.data, balance: data.balance };
    member.view = { ...member.view, balance: data.balance };
    this.setState('member');
    await this.present({ screen: 'earned', member: member.view, pointsEarned: data.pointsEarned });
    await this.deps.display.signal('success');
    await this.print(
      earnReceipt(this.header(this.words.slip.collected, answer.serverTime), {
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
   * A card not anyone's yet (from a printed batch, or an anonymous one): "Register this card"
   * (docs/kiosk-page.md "Register a card"). Where the store's rules let anonymous cards earn (a
   * points program open to all cards), a till receipt can be collected on it meanwhile.
   */
  private async offerRegistration(card: CardRef, data: IdentifyData): Promise<void> {
    const cardMasked = data.cardNumberMasked;
    this.registration = { card };
    const canCollect = this.deps.rules?.ruleSet?.programs.some((p) => p.program.kind === 'points' && p.program.openTo === 'all_cards') ?? false;
    if (canCollect) this.member = { card, data, view: memberView(data, this.deps.rules?.ruleSet ?? null, this.now()) };
    this.setState('registering');
    await this.present({ screen: 'unregistered', cardMasked, balance: data.balance, canCollect });
    await this.deps.display.signal('attention');
    return this.goIdle(this.options.memberScreenMs);
  }

  /**
   * "No card? Use your phone number" (docs/kiosk-page.md): the number, then the SMS code; the
   * gateway answers with the account's card and the journey goes on exactly as after a tap.
   */
  private async startPhoneSignIn(): Promise<void> {
    if (this.stateName !== 'idle' || this.options.entranceProgram) return;
    this.phoneSignIn = {};
    this.setState('identifying');
    await this.present({ screen: 'enterPhone', invalid: false, identify: true });
    return this.goIdle(this.options.memberScreenMs);
  }

  private async phoneSignInPhone(phone: string): Promise<void> {
    const signIn = this.phoneSignIn;
    if (!signIn) return;
    if (!this.deps.requests.online) return this.phoneSignInRefused('offline');
    await this.present({ screen: 'reading' });
    const reply = await this.codeStepCall({ kind: 'identify_phone_start', opId: this.deps.opIds.next(), phone }, () => this.phoneSignInRefused('offline'));
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'invalid_request') {
        await this.present({ screen: 'enterPhone', invalid: true, identify: true });
        return this.goIdle(this.options.memberScreenMs);
      }
      return this.phoneSignInRefused(this.registrationNotice(reply.result.code), reply.result.message);
    }
    signIn.lookupId = reply.result.data.lookupId;
    signIn.phoneMasked = reply.result.data.phoneMasked;
    await this.present({ screen: 'registerCode', phoneMasked: signIn.phoneMasked, wrongCode: false, identify: true });
    return this.goIdle(this.options.memberScreenMs);
  }

  private async phoneSignInCode(code: string): Promise<void> {
    const signIn = this.phoneSignIn;
    if (!signIn?.lookupId) return;
    await this.present({ screen: 'reading' });
    const reply = await this.codeStepCall({ kind: 'identify_phone_verify', opId: this.deps.opIds.next(), lookupId: signIn.lookupId, code }, () => this.phoneSignInRefused('offline'));
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'otp_invalid') {
        await this.present({ screen: 'registerCode', phoneMasked: signIn.phoneMasked ?? '', wrongCode: true, identify: true });
        await this.deps.display.signal('error');
        return this.goIdle(this.options.memberScreenMs);
      }
      const notice = reply.result.code === 'customer_not_found' || reply.result.code === 'card_not_found' ? 'noAccount' : this.registrationNotice(reply.result.code);
      return this.phoneSignInRefused(notice, reply.result.message);
    }
    this.phoneSignIn = null;
    return this.identify(reply.result.data.card);
  }

  private async phoneSignInRefused(notice: Notice, message?: string): Promise<void> {
    this.phoneSignIn = null;
    await this.notice(notice, 'error', notice === 'failed' ? message : undefined);
    return this.goIdle(this.options.memberScreenMs);
  }

  /** Step one: the phone number; the gateway sends the code (with every limit of its SMS service). */
  private async registrationPhone(phone: string): Promise<void> {
    const registration = this.registration;
    if (!registration || this.presentation.view.screen !== 'enterPhone') return;
    if (!this.deps.requests.online) return this.registrationRefused('registerOffline');
    await this.present({ screen: 'registering' });
    const reply = await this.codeStepCall({ kind: 'register_start', opId: this.deps.opIds.next(), card: registration.card, phone, ...(registration.staff ? { staff: registration.staff } : {}) }, () =>
      this.registrationRefused('registerOffline'),
    );
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'invalid_request') {
        await this.present({ screen: 'enterPhone', invalid: true });
        return this.goIdle(this.options.memberScreenMs);
      }
      return this.registrationRefused(this.registrationNotice(reply.result.code), reply.result.message);
    }
    registration.registrationId = reply.result.data.registrationId;
    registration.phoneMasked = reply.result.data.phoneMasked;
    await this.present({ screen: 'registerCode', phoneMasked: reply.result.data.phoneMasked, wrongCode: false });
    return this.goIdle(this.options.memberScreenMs);
  }

  /** Step two: the code; only now does the kiosk learn whether the phone has an account already. */
  private async registrationCode(code: string): Promise<void> {
    const registration = this.registration;
    if (!registration?.registrationId || this.presentation.view.screen !== 'registerCode') return;
    await this.present({ screen: 'registering' });
    const reply = await this.codeStepCall({ kind: 'register_verify', opId: this.deps.opIds.next(), registrationId: registration.registrationId, code }, () =>
      this.registrationRefused('registerOffline'),
    );
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'otp_invalid') {
        await this.present({ screen: 'registerCode', phoneMasked: registration.phoneMasked ?? '', wrongCode: true });
        await this.deps.display.signal('error');
        return this.goIdle(this.options.memberScreenMs);
      }
      return this.registrationRefused(this.registrationNotice(reply.result.code), reply.result.message);
    }
    await this.present(reply.result.data.existingCustomer ? { screen: 'linkToAccount' } : { screen: 'enterName' });
    return this.goIdle(this.options.memberScreenMs);
  }

  /** Step three: linked, through the outbox (a lost answer is not a lost registration); then the member is shown. */
  private async completeRegistration(details: { name?: string; marketingConsent: boolean }): Promise<void> {
    const registration = this.registration;
    const screen = this.presentation.view.screen;
    // These two screens come only after the code was right.
    if (!registration?.registrationId || (screen !== 'enterName' && screen !== 'linkToAccount')) return;
    await this.present({ screen: 'registering' });
    const { reply } = await this.deps.requests.submit(
      {
        kind: 'register_confirm',
        opId: this.deps.opIds.next(),
        registrationId: registration.registrationId,
        ...(screen === 'enterName' ? { name: details.name } : {}),
        marketingConsent: details.marketingConsent,
        ...(registration.staff ? { staff: registration.staff } : {}),
      },
      this.options.requestTimeoutMs,
    );
    let answer: Reply<'register_confirm'>;
    try {
      answer = await reply;
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      // The outbox keeps it: the card is linked when the gateway answers.
      return this.registrationRefused('registrationPending');
    }
    if (answer.result.status === 'error') return this.registrationRefused(this.registrationNotice(answer.result.code), answer.result.message);
    this.registration = null;
    if (registration.staff) {
      this.setState('staff');
      return this.staffMode.issueEnded({ kind: 'issued', cardMasked: registration.cardMasked ?? '', existingCustomer: answer.result.data.existingCustomer });
    }
    return this.identify(registration.card, { addedToAccount: answer.result.data.existingCustomer });
  }

  /** A read of the code steps (registration, phone sign-in): its reply, or null once `offline` said the gateway is unreachable. */
  private async codeStepCall<K extends RequestKind>(request: RequestOf<K> & { kind: K }, offline: () => Promise<void>): Promise<Reply<K> | null> {
    try {
      return await this.deps.requests.call<K>(request, this.options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await offline();
      return null;
    }
  }

  private registrationNotice(code: string): Notice {
    const notices: Record<string, Notice> = {
      card_linked_elsewhere: 'linkedElsewhere',
      card_blocked: 'blocked',
      otp_rate_limited: 'codeLimit',
      otp_expired: 'codeExpired',
      otp_locked: 'codeLocked',
      registration_not_found: 'codeExpired',
    };
    return notices[code] ?? 'failed';
  }

  private async registrationRefused(notice: Notice, message?: string): Promise<void> {
    const staffIssue = this.registration?.staff !== undefined;
    this.registration = null;
    if (staffIssue && this.staffMode.active) {
      this.setState('staff');
      if (notice === 'registrationPending') return this.staffMode.issueEnded({ kind: 'pending' });
      return this.staffMode.issueEnded({ kind: 'refused', code: notice, detail: message ?? WORDS[this.presentation.lang].notice[notice].title });
    }
    await this.notice(notice, notice === 'registrationPending' ? 'attention' : 'error', notice === 'failed' ? message : undefined);
    return this.goIdle(this.options.memberScreenMs);
  }

  private async showMember(view: MemberView): Promise<void> {
    this.setState('member');
    await this.present({ screen: 'member', member: view });
    await this.goIdle(this.options.memberScreenMs);
  }

  /** The rewards catalogue and points-off steps, what the member can afford marked. */
  private async showOffers(): Promise<void> {
    if (!this.member || this.stateName !== 'member') return;
    this.offers = offersFor(this.member.data, this.deps.rules?.ruleSet ?? null);
    this.setState('choosing');
    await this.present({ screen: 'rewards', member: this.member.view, offers: this.offers });
    await this.goIdle(this.options.memberScreenMs);
  }

  /**
   * Spends points on an offer: through the outbox (idempotent by its op id), so an answer lost
   * with the connection is not spent twice. Above the program's threshold the gateway holds the
   * points and asks for the SMS code sent to the owner's phone.
   */
  private async redeem(offerId: string): Promise<void> {
    const member = this.member;
    const offer = this.offers.find((o) => o.id === offerId);
    if (!member || this.stateName !== 'choosing' || !offer) return;
    if (!offer.affordable) {
      await this.notice('notEnoughPoints', 'attention');
      return this.goIdle(5000);
    }
    // While the gateway is away (or was at the tap) a redemption is within the card token's limits (docs/offline.md).
    if (!this.deps.requests.online || member.offline) return this.redeemOffline(member, offer);
    this.setState('redeeming');
    await this.present({ screen: 'redeeming', member: member.view });
    const what = offer.id.startsWith('reward:') ? { rewardId: offer.id.slice('reward:'.length) } : { points: offer.points };
    const answer = await this.submitted({ kind: 'redeem', opId: this.deps.opIds.next(), card: member.card, ...what });
    if (!answer) return;
    if (answer.result.status === 'error') return this.spendRefused(answer.result.code, answer.result.message);
    const data = answer.result.data;
    if (data.status === 'issued') return this.deliverCoupon(member, data.coupon, data.balance);
    this.hold = { holdId: data.holdId, confirmationId: data.confirmationId, points: data.points };
    this.setState('confirming');
    await this.present({ screen: 'enterCode', member: member.view, points: data.points, wrongCode: false });
    await this.deps.display.signal('attention');
    await this.goIdle(this.options.memberScreenMs);
  }

  /**
   * An offline redemption: allowed by the card's token, the kiosk's budget and the random draw
   * (offline-desk.ts); journalled with its spend before anything is shown or printed; the coupon
   * (its code from the op id) prints saying it was issued offline. The gateway books it when the
   * link is back: posted, or an exception against the card.
   */
  private async redeemOffline(member: { card: CardRef; data: IdentifyData; view: MemberView }, offer: Offer): Promise<void> {
    const desk = this.deps.offline?.desk;
    const found = desk ? await desk.identify(member.card) : null;
    if (!desk || !found?.ok) {
      await this.notice('spendOffline');
      return this.goIdle(5000);
    }
    const { claims } = found.value;
    const verdict = await desk.mayRedeem(claims, offer.points, this.presentation.timeZone);
    if (!verdict.ok) {
      this.deps.log.info({ reason: verdict.reason, points: offer.points }, 'offline redemption refused');
      const notices: Partial<Record<OfflineRefusal, Notice>> = {
        per_transaction_limit: 'offlineLimit',
        per_card_limit: 'offlineLimit',
        kiosk_budget: 'offlineLimit',
        insufficient_points: 'notEnoughPoints',
        online_selected: 'offlineRetryOnline',
      };
      await this.notice(notices[verdict.reason] ?? 'spendOffline', 'attention');
      return this.goIdle(this.options.memberScreenMs);
    }
    this.setState('redeeming');
    await this.present({ screen: 'redeeming', member: member.view });
    const opId = this.deps.opIds.next();
    const now = this.now();
    const rewardId = offer.id.startsWith('reward:') ? offer.id.slice('reward:'.length) : undefined;
    const coupon: CouponData = {
      code: `K${opId.replace(/-/g, '').toUpperCase()}`,
      value: offer.value,
      expiresAt: new Date(now + couponValidDays(this.deps.rules?.ruleSet ?? null, claims.identify.member?.cardProgramId, rewardId) * 86_400_000).toISOString(),
      points: offer.points,
      reward: offer.name,
    };
    const request = {
      kind: 'redeem_offline' as const,
      opId,
      card: member.card,
      points: offer.points,
      ...(rewardId ? { rewardId } : {}),
      coupon: { code: coupon.code, value: coupon.value, expiresAt: coupon.expiresAt, reward: coupon.reward },
      redeemedAt: new Date(now).toISOString(),
      tokenIssuedAt: claims.issuedAt,
    };
    // Journalled with its spend first: the limits count it from now on, across a restart.
    const { reply } = await this.deps.requests.submit(request, 0, { card: claims.card.number, points: offer.points, day: verdict.value.day, at: now });
    reply.catch(() => undefined); // answered when the link is back (the outbox): nobody waits
    return this.deliverCoupon(member, coupon, member.data.balance - offer.points, true);
  }

  private async confirmCode(code: string): Promise<void> {
    const member = this.member;
    const hold = this.hold;
    if (!member || !hold || this.stateName !== 'confirming') return;
    this.setState('redeeming');
    await this.present({ screen: 'redeeming', member: member.view });
    const answer = await this.submitted({ kind: 'redeem_confirm', opId: this.deps.opIds.next(), holdId: hold.holdId, confirmationId: hold.confirmationId, code });
    if (!answer) return;
    if (answer.result.status === 'error') {
      if (answer.result.code === 'otp_invalid') {
        this.setState('confirming');
        await this.present({ screen: 'enterCode', member: member.view, points: hold.points, wrongCode: true });
        await this.deps.display.signal('error');
        return this.goIdle(this.options.memberScreenMs);
      }
      return this.spendRefused(answer.result.code, answer.result.message);
    }
    this.hold = null;
    return this.deliverCoupon(member, answer.result.data.coupon, answer.result.data.balance);
  }

  /** The held points are released now rather than at the hold's timeout; through the outbox, answered whenever. */
  private releaseHold(holdId: string): void {
    this.deps.requests
      .submit({ kind: 'redeem_cancel', opId: this.deps.opIds.next(), holdId }, this.options.requestTimeoutMs)
      .then(({ reply }) => reply.catch(() => undefined))
      .catch((error: Error) => this.deps.log.warn({ err: error.message }, 'held points not released now; the hold lapses at its timeout'));
  }

  /** A spending request through the outbox; null (with the screen said) when the connection was lost meanwhile. */
  private async submitted<K extends 'redeem' | 'redeem_confirm'>(request: RequestOf<K> & { kind: K }): Promise<Reply<K> | null> {
    this.journeyOps.add(request.opId);
    const { reply } = await this.deps.requests.submit<K>(request, this.options.requestTimeoutMs);
    try {
      return await reply;
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      this.hold = null;
      await this.notice('connectionLost');
      await this.goIdle(this.options.memberScreenMs);
      return null;
    }
  }

  private async spendRefused(code: string, message: string): Promise<void> {
    // A code locked or expired: the held points are free again now, not at the hold's timeout.
    if (this.hold) this.releaseHold(this.hold.holdId);
    this.hold = null;
    const notices: Record<string, Notice> = {
      insufficient_points: 'notEnoughPoints',
      card_unlinked: 'noPhone',
      card_blocked: 'blocked',
      otp_expired: 'codeExpired',
      hold_expired: 'codeExpired',
      otp_locked: 'codeLocked',
      otp_rate_limited: 'codeLimit',
    };
    const notice = notices[code] ?? 'failed';
    await this.notice(notice, 'error', notice === 'failed' ? message : undefined);
    return this.goIdle(this.options.memberScreenMs);
  }

  /** The coupon on screen, written down to print (coupon-journal.ts), then printed once. */
  private async deliverCoupon(member: { view: MemberView; data: IdentifyData }, coupon: CouponData, balance: number, offline = false): Promise<void> {
    const entry = this.deps.coupons?.due(coupon, member.view.cardMasked, offline) ?? {
      coupon,
      cardMasked: member.view.cardMasked,
      state: 'due' as const,
      at: this.now(),
      ...(offline ? { offline } : {}),
    };
    this.journeyCoupons.set(coupon.code, entry);
    member.view = { ...member.view, balance };
    member.data = { ...member.data, balance, ...(member.data.member ? { member: { ...member.data.member, availablePoints: Math.max(0, member.data.member.availablePoints - coupon.points) } } : {}) };
    this.setState('coupon');
    await this.present({ screen: 'coupon', member: member.view, coupon, printed: false });
    await this.deps.display.signal('success');
    await this.printCoupon(entry, member.view);
    await this.goIdle(this.options.memberScreenMs);
  }

  /**
   * Prints a due coupon once. A printer that cannot take it now gets nothing held (that job could
   * print for the next customer): the coupon stays due and is tried again while its customer is
   * here; when they leave it is dropped (it stays valid on their card, and the screen showed its code).
   */
  private async printCoupon(entry: CouponEntry, view: MemberView | null): Promise<boolean> {
    if (entry.state !== 'due') return entry.state === 'printed';
    const { printer } = this.deps;
    const slip = couponReceipt(this.header(this.words.slip.coupon, null), {
      reward: entry.coupon.reward,
      code: entry.coupon.code,
      expiresAt: entry.coupon.expiresAt,
      value: entry.coupon.value,
      cardMasked: entry.cardMasked,
      pointsSpent: entry.coupon.points,
      offline: entry.offline === true,
    });
    try {
      await printer.print(encodeReceipt(slip, printer.columns, printer.codePage));
    } catch (error) {
      if (!(error instanceof PrinterError)) throw error;
      printer.dropHeld();
      this.deps.log.warn({ err: error.message, coupon: entry.coupon.code }, 'coupon not printed; it stays due while its customer is here');
      if (view) {
        await this.present({ screen: 'coupon', member: view, coupon: entry.coupon, printed: false }, { printerWarning: true });
        await this.deps.display.signal('attention');
        this.retryCouponsWhenPrinterBack();
      }
      return false;
    }
    this.lastSlip = { receipt: slip, lang: this.presentation.lang };
    this.deps.coupons?.mark(entry.coupon.code, 'printed');
    entry.state = 'printed';
    this.journeyCoupons.delete(entry.coupon.code);
    if (view && this.presentation.view.screen === 'coupon' && this.presentation.view.coupon.code === entry.coupon.code) {
      await this.present({ screen: 'coupon', member: view, coupon: entry.coupon, printed: true });
    }
    return true;
  }

  private retryCouponsWhenPrinterBack(): void {
    if (this.couponRetry) return;
    this.couponRetry = setInterval(() => {
      if (this.deps.printer.health().state === 'down' || this.journeyCoupons.size === 0) return;
      this.enqueue(async () => {
        const view = this.member?.view ?? null;
        for (const entry of [...this.journeyCoupons.values()]) await this.printCoupon(entry, view);
        if (this.journeyCoupons.size === 0) this.stopCouponRetry();
      });
    }, 1000);
    this.couponRetry.unref();
  }

  private stopCouponRetry(): void {
    if (this.couponRetry) clearInterval(this.couponRetry);
    this.couponRetry = null;
  }

  /** The journey ends: its coupons not printed by now are dropped, never printed for someone else. */
  private endCouponsOfJourney(): void {
    this.stopCouponRetry();
    for (const entry of this.journeyCoupons.values()) {
      if (entry.state !== 'due') continue;
      this.deps.coupons?.mark(entry.coupon.code, 'dropped');
      entry.state = 'dropped';
      this.droppedSlips += 1;
      this.deps.log.warn({ coupon: entry.coupon.code }, 'coupon not printed before its customer left; it stays valid on their card');
    }
    this.journeyCoupons.clear();
  }

  /**
   * A coupon whose answer came after its request had timed out ("Connection lost"): shown and
   * printed if its customer is still here; dropped (still valid on the card) if their journey has
   * ended; otherwise (sent before a restart) printed as a leftover, if recent.
   */
  private lateCoupon(opId: string, coupon: CouponData, balance: number): void {
    if (this.journeyOps.has(opId)) {
      this.enqueue(async () => {
        if (this.member && this.journeyOps.has(opId)) await this.deliverCoupon(this.member, coupon, balance);
      });
    } else if (this.abandonedOps.has(opId)) {
      this.abandonedOps.delete(opId);
      this.deps.coupons?.mark(coupon.code, 'dropped');
      this.droppedSlips += 1;
      this.deps.log.warn({ coupon: coupon.code }, 'coupon answered after its customer left; not printed, it stays valid on their card');
    } else {
      this.enqueue(() => this.printLeftoverCoupons());
    }
  }

  /**
   * Coupons answered while nobody's journey was on (the kiosk restarted between the answer and
   * the print, or the answer came late): printed once if recent, while the kiosk is idle;
   * older ones are dropped (the customer has gone; the coupon stays on their card).
   */
  private async printLeftoverCoupons(): Promise<void> {
    const coupons = this.deps.coupons;
    if (!coupons || this.stateName !== 'idle') return;
    const window = this.options.couponPrintWindowMs ?? 120_000;
    for (const entry of coupons.pending()) {
      if (this.journeyCoupons.has(entry.coupon.code)) continue;
      if (this.now() - entry.at > window || !(await this.printCoupon(entry, null))) {
        coupons.mark(entry.coupon.code, 'dropped');
        this.droppedSlips += 1;
        this.deps.log.warn({ coupon: entry.coupon.code }, 'coupon from before not printed; it stays valid on its card');
      }
    }
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
      return evaluate(receiptBasket(rules.storeId, receipt), data.member, rules, this.now()).pointsEarned;
    } catch (error) {
      if (error instanceof EvaluationError) return null;
      throw error;
    }
  }

  /** staff mode's idle timeout (the kiosk config's `staffIdleMs`, which defaults to a minute) */
  private get staffIdleMs(): number {
    return this.options.staffIdleMs ?? 60_000;
  }

  private get words() {
    return WORDS[this.presentation.lang];
  }

  private header(title: string, serverTime: string | null): SlipHeader {
    return { title, storeName: this.options.storeName, kioskId: this.options.kioskId, serverTime, lang: this.presentation.lang, timeZone: this.presentation.timeZone };
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
    await this.deps.printer.print(encodeReceipt(copyOf(this.lastSlip.receipt, this.lastSlip.lang), this.deps.printer.columns, this.deps.printer.codePage));
  }

  /** A test page (a fleet command): the printer's width, code page and a barcode. */
  async printTestPage(): Promise<void> {
    const { printer } = this.deps;
    await printer.print(encodeReceipt(testPage(this.header(this.words.slip.test, null), { columns: printer.columns, codePage: String(printer.codePage) }), printer.columns, printer.codePage));
  }

  /** The shift report (the staff report layout): what this kiosk did since the shift started. */
  private async printShiftReport(staffName: string, shift: StaffShiftData): Promise<void> {
    const w = STAFF_WORDS[this.presentation.lang].slip;
    const rows = [
      { label: w.since, value: formatLocalTime(shift.since, this.presentation.lang, this.presentation.timeZone) },
      { label: w.earns, value: `${shift.earns} / ${shift.pointsEarned}` },
      { label: w.redemptions, value: `${shift.redemptions} / ${shift.pointsRedeemed}` },
      { label: w.registrations, value: String(shift.registrations) },
      { label: w.staffActions, value: String(shift.staffActions) },
    ];
    // Printed directly, not as the last slip: a failure reaches staff mode, which keeps the shift open.
    const { printer } = this.deps;
    await printer.print(encodeReceipt(staffReport(this.header(w.report, new Date(this.now()).toISOString()), { staff: staffName, staffLabel: w.staff, rows }), printer.columns, printer.codePage));
  }

  private async print(receipt: Receipt): Promise<void> {
    this.lastSlip = { receipt, lang: this.presentation.lang };
    try {
      await this.deps.printer.print(encodeReceipt(receipt, this.deps.printer.columns, this.deps.printer.codePage));
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'receipt not printed');
      await this.present(this.presentation.view, { printerWarning: true });
      await this.deps.display.signal('attention');
    }
  }
}
