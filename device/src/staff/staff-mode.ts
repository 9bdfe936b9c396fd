/**
 * Staff mode at the kiosk (docs/staff.md): a staff card from the store's signed staff list opens
 * it; a second tap of the same card, the idle timeout, Done, or a customer card tapped at the
 * menu ends it. Each action is a signed request naming the staff card and a reason from a fixed
 * list; the gateway checks the card again and audits it. Issue, replace, adjust and the shift
 * report need the gateway; a block is journalled and goes when the kiosk is back online; reprints
 * and test pages are the kiosk's own.
 *
 * The agent owns the screens and the queue of inputs; this module owns the staff session and its
 * steps, and shows them through the agent (`StaffHost`).
 */
import {
  ADJUST_REASONS,
  BLOCK_REASONS,
  REPLACE_REASONS,
  maskCardNumber,
  type CardRef,
  type OpIdGenerator,
  type Reply,
  type RequestKind,
  type RequestOf,
  type StaffRef,
  type StaffShiftData,
} from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { OfflineError, type Requests } from '../link/requests.js';
import { JournalWriteError } from '../outbox/outbox.js';
import type { Signal } from '../ports/display.js';
import type { StaffCard } from '../staff-cache.js';
import type { StaffAction, StaffMessage, StaffStep, View } from '../ui/view.js';

/** What staff mode needs from the agent. */
export interface StaffHost {
  present(view: View): Promise<void>;
  signal(signal: Signal): Promise<void>;
  /** ends staff mode after this long without input */
  idleAfter(ms: number): Promise<void>;
  /** back to the welcome screen now (ends staff mode) */
  leave(): Promise<void>;
  /** false when the kiosk printed nothing since it started */
  reprintLast(): Promise<boolean>;
  printTestPage(): Promise<void>;
  printShiftReport(staffName: string, shift: StaffShiftData): Promise<void>;
  /** a card to issue: the registration steps take over, on behalf of this staff card */
  startIssue(card: CardRef, staff: StaffRef): Promise<void>;
}

export interface StaffModeDeps {
  requests: Requests;
  opIds: OpIdGenerator;
  log: Logger;
  /** the staff list as it is now (a blocked staff member is left out of a newer one) */
  staffCard: (uid: string) => StaffCard | null;
  /** when the shift started (opened by the first session after the last shift report) */
  shift?: { open(now: Date): string; startedAt(): string | null; close(): void };
  requestTimeoutMs: () => number;
  idleMs: number;
  now: () => number;
}

interface Session {
  staff: StaffCard;
  step: StaffStep;
  /** what the last action came to, shown with the menu */
  message?: StaffMessage;
  /** the action in progress and what it has gathered so far */
  work: { action?: StaffAction; card?: CardRef; cardMasked?: string; oldNumber?: string; reason?: string; note?: string; points?: number; lookupId?: string; phoneMasked?: string };
}

export class StaffMode {
  private session: Session | null = null;

  constructor(
    private readonly host: StaffHost,
    private readonly deps: StaffModeDeps,
  ) {}

  get active(): boolean {
    return this.session !== null;
  }

  /** The step waiting for a customer card (tap or scan). */
  get wantsCard(): boolean {
    return this.session?.step.kind === 'tapCard';
  }

  /** A card of the staff list was tapped. */
  async staffCardTapped(staff: StaffCard): Promise<void> {
    const session = this.session;
    if (session?.staff.id === staff.id) {
      // The manager's second tap confirms an adjustment; anywhere else it leaves staff mode.
      if (session.step.kind === 'confirmTap') return this.adjust(session);
      return this.host.leave();
    }
    if (session) this.end();
    this.session = { staff, step: { kind: 'menu' }, work: {} };
    this.deps.shift?.open(new Date(this.deps.now()));
    this.log('session_start');
    this.deps.log.info({ staff: staff.id, role: staff.role }, 'staff mode opened');
    await this.show();
    await this.host.signal('success');
  }

  /**
   * A customer card while staff mode is open: used by a step that waits for one (true), or it ends
   * staff mode and starts the customer's journey (false: the agent goes on with it).
   */
  async customerCard(card: CardRef): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    if (session.step.kind !== 'tapCard') return false;
    const purpose = session.step.purpose;
    const cardMasked = 'number' in card ? maskCardNumber(card.number) : maskUid(card.uid);
    session.work.card = card;
    session.work.cardMasked = cardMasked;
    switch (purpose) {
      case 'issue':
        if (!this.requireOnline(session)) {
          await this.show();
          return true;
        }
        // The registration steps have the screen now; a customer card tapped meanwhile ends staff mode.
        session.step = { kind: 'working' };
        await this.host.startIssue(card, this.ref(session));
        return true;
      case 'replace':
        await this.replace(session);
        return true;
      case 'block':
        await this.step(session, { kind: 'reason', purpose: 'block', cardMasked, reasons: BLOCK_REASONS });
        return true;
      case 'adjust':
        await this.step(session, { kind: 'reason', purpose: 'adjust', cardMasked, reasons: ADJUST_REASONS });
        return true;
    }
  }

  /** Ends the session (idle timeout, Done, a customer's card, a new staff card): logged, nothing else kept. */
  end(): void {
    if (!this.session) return;
    this.log('session_end');
    this.deps.log.info({ staff: this.session.staff.id }, 'staff mode closed');
    this.session = null;
  }

  /** After a new staff list: someone left out of it (blocked, moved) is out of staff mode now. */
  async recheck(): Promise<void> {
    const session = this.session;
    if (!session) return;
    if (this.deps.staffCard(session.staff.uid)?.id !== session.staff.id) {
      this.deps.log.warn({ staff: session.staff.id }, 'staff card no longer in the staff list; staff mode closed');
      await this.host.leave();
    }
  }

  /** A menu button. */
  async choose(action: StaffAction): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'menu') return;
    session.work = { action };
    switch (action) {
      case 'exit':
        return this.host.leave();
      case 'issue':
      case 'block':
        if (action === 'issue' && !this.requireOnline(session)) return this.show();
        return this.step(session, { kind: 'tapCard', purpose: action });
      case 'replace':
        if (!this.requireOnline(session)) return this.show();
        return this.step(session, { kind: 'oldCard', invalid: false });
      case 'adjust':
        // The kiosk knows the role from the signed list: a cashier is told at once, even offline.
        if (session.staff.role !== 'manager') return this.menu(session, { kind: 'managerNeeded' });
        if (!this.requireOnline(session)) return this.show();
        return this.step(session, { kind: 'tapCard', purpose: 'adjust' });
      case 'reprint':
        this.log('reprint');
        return this.menu(session, await this.printing(async () => ((await this.host.reprintLast()) ? { kind: 'printed', what: 'reprint' } : { kind: 'nothingToReprint' })));
      case 'testPage':
        this.log('test_page');
        return this.menu(
          session,
          await this.printing(async () => {
            await this.host.printTestPage();
            return { kind: 'printed', what: 'testPage' };
          }),
        );
      case 'shiftReport':
        return this.shiftReport(session);
    }
  }

  /** Back to the menu from any step (the page's Back button). */
  async back(): Promise<void> {
    const session = this.session;
    if (!session || session.step.kind === 'menu' || session.step.kind === 'working') return;
    return this.menu(session);
  }

  /** A card number typed: the lost card (replace), or the card to block or adjust. */
  async cardNumber(number: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    if (session.step.kind === 'oldCard') {
      session.work.oldNumber = number;
      return this.step(session, { kind: 'reason', purpose: 'replace', cardMasked: maskCardNumber(number), reasons: REPLACE_REASONS });
    }
    if (session.step.kind === 'tapCard' && (session.step.purpose === 'block' || session.step.purpose === 'adjust')) await this.customerCard({ number });
  }

  /** "Find by phone" on the lost card's screen. */
  async findByPhone(): Promise<void> {
    const session = this.session;
    if (session?.step.kind === 'oldCard') await this.step(session, { kind: 'findPhone', invalid: false });
  }

  async phone(phone: string): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'findPhone') return;
    const reply = await this.ask(session, { kind: 'staff_find', opId: this.deps.opIds.next(), staff: this.ref(session), phone });
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'invalid_request') return this.step(session, { kind: 'findPhone', invalid: true });
      return this.refused(session, reply.result.code, reply.result.message);
    }
    session.work.lookupId = reply.result.data.lookupId;
    session.work.phoneMasked = reply.result.data.phoneMasked;
    return this.step(session, { kind: 'findCode', phoneMasked: reply.result.data.phoneMasked, wrongCode: false });
  }

  async code(code: string): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'findCode' || !session.work.lookupId) return;
    const reply = await this.ask(session, { kind: 'staff_find_verify', opId: this.deps.opIds.next(), staff: this.ref(session), lookupId: session.work.lookupId, code });
    if (!reply) return;
    if (reply.result.status === 'error') {
      if (reply.result.code === 'otp_invalid') {
        await this.step(session, { kind: 'findCode', phoneMasked: session.work.phoneMasked ?? '', wrongCode: true });
        return this.host.signal('error');
      }
      return this.refused(session, reply.result.code, reply.result.message);
    }
    return this.step(session, { kind: 'pickCard', cards: reply.result.data.cards });
  }

  /** The lost card picked from the customer's cards found by phone. */
  async pick(number: string): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'pickCard' || !session.step.cards.some((c) => c.number === number && c.status === 'active')) return;
    session.work.oldNumber = number;
    return this.step(session, { kind: 'reason', purpose: 'replace', cardMasked: maskCardNumber(number), reasons: REPLACE_REASONS });
  }

  async reason(reason: string): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'reason' || !session.step.reasons.includes(reason)) return;
    session.work.reason = reason;
    switch (session.step.purpose) {
      case 'block':
        return this.block(session);
      case 'replace':
        return this.step(session, { kind: 'tapCard', purpose: 'replace' });
      case 'adjust':
        // "Other" says what in words; the listed reasons speak for themselves.
        if (reason === 'other') return this.step(session, { kind: 'note', cardMasked: session.work.cardMasked ?? '' });
        return this.step(session, { kind: 'points', cardMasked: session.work.cardMasked ?? '' });
    }
  }

  /** The reason in words, for "other". */
  async note(text: string): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'note') return;
    session.work.note = text;
    return this.step(session, { kind: 'points', cardMasked: session.work.cardMasked ?? '' });
  }

  /** The points to add (positive) or take (negative); then the manager taps again to confirm. */
  async points(points: number): Promise<void> {
    const session = this.session;
    if (session?.step.kind !== 'points' || !Number.isSafeInteger(points) || points === 0) return;
    session.work.points = points;
    await this.step(session, { kind: 'confirmTap', cardMasked: session.work.cardMasked ?? '', points });
    return this.host.signal('attention');
  }

  /** The registration steps of an issued card ended: back to the menu with what happened. */
  async issueEnded(message: StaffMessage): Promise<void> {
    const session = this.session;
    if (!session) return this.host.leave();
    return this.menu(session, message);
  }

  /** Staff mode's screen, or null when it is closed (the agent's Done and timeout). */
  get badge() {
    return this.session ? { name: this.session.staff.name, role: this.session.staff.role } : null;
  }

  private async block(session: Session): Promise<void> {
    const { card, cardMasked, reason } = session.work;
    if (!card || !reason) return this.menu(session);
    await this.step(session, { kind: 'working' });
    const request = { kind: 'staff_block' as const, opId: this.deps.opIds.next(), staff: this.ref(session), card, reason: reason as (typeof BLOCK_REASONS)[number] };
    const reply = await this.journalled(session, request);
    if (reply === 'pending') return this.menu(session, { kind: 'blockPending', cardMasked: cardMasked ?? '' });
    if (!reply) return;
    if (reply.result.status === 'error') return this.refused(session, reply.result.code, reply.result.message);
    return this.menu(session, { kind: 'blocked', cardMasked: reply.result.data.cardNumberMasked, already: reply.result.data.alreadyBlocked });
  }

  private async replace(session: Session): Promise<void> {
    const { card, oldNumber, reason } = session.work;
    if (!card || !oldNumber || !reason) return this.menu(session);
    if (!this.requireOnline(session)) return this.show();
    await this.step(session, { kind: 'working' });
    const request = {
      kind: 'staff_replace' as const,
      opId: this.deps.opIds.next(),
      staff: this.ref(session),
      oldCard: { number: oldNumber },
      newCard: card,
      reason: reason as (typeof REPLACE_REASONS)[number],
    };
    const reply = await this.journalled(session, request);
    if (reply === 'pending') return this.menu(session, { kind: 'pending' });
    if (!reply) return;
    if (reply.result.status === 'error') return this.refused(session, reply.result.code, reply.result.message);
    const { oldMasked, newMasked, balance } = reply.result.data;
    return this.menu(session, { kind: 'replaced', oldMasked, newMasked, balance });
  }

  private async adjust(session: Session): Promise<void> {
    const { card, reason, note, points } = session.work;
    if (!card || !reason || points === undefined) return this.menu(session);
    if (!this.requireOnline(session)) return this.show();
    await this.step(session, { kind: 'working' });
    const staff = this.ref(session);
    const request = {
      kind: 'staff_adjust' as const,
      opId: this.deps.opIds.next(),
      staff,
      confirmedBy: staff,
      card,
      points,
      reason: reason as (typeof ADJUST_REASONS)[number],
      ...(note ? { note } : {}),
    };
    const reply = await this.journalled(session, request);
    if (reply === 'pending') return this.menu(session, { kind: 'pending' });
    if (!reply) return;
    if (reply.result.status === 'error') return this.refused(session, reply.result.code, reply.result.message);
    return this.menu(session, { kind: 'adjusted', cardMasked: reply.result.data.cardNumberMasked, points, balance: reply.result.data.balance });
  }

  private async shiftReport(session: Session): Promise<void> {
    if (!this.requireOnline(session)) return this.show();
    const since = this.deps.shift?.startedAt() ?? new Date(this.deps.now()).toISOString();
    await this.step(session, { kind: 'working' });
    const reply = await this.ask(session, { kind: 'staff_shift', opId: this.deps.opIds.next(), staff: this.ref(session), since });
    if (!reply) return;
    if (reply.result.status === 'error') return this.refused(session, reply.result.code, reply.result.message);
    const shift = reply.result.data;
    const printed = await this.printing(async () => {
      await this.host.printShiftReport(session.staff.name, shift);
      return { kind: 'printed', what: 'shiftReport' };
    });
    if (printed.kind === 'printerProblem') return this.menu(session, printed);
    // The report closes the shift: the next staff session opens a new one.
    this.deps.shift?.close();
    this.log('shift_report');
    return this.menu(session, { kind: 'printed', what: 'shiftReport' });
  }

  /** A print for staff: what it came to, or the printer's problem (the kiosk goes on). */
  private async printing(print: () => Promise<StaffMessage>): Promise<StaffMessage> {
    try {
      return await print();
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'staff print failed');
      return { kind: 'printerProblem' };
    }
  }

  /** A read (find, shift): the answer, or the menu saying the gateway is needed. */
  private async ask<K extends RequestKind>(session: Session, request: RequestOf<K> & { kind: K }): Promise<Reply<K> | null> {
    try {
      return await this.deps.requests.call<K>(request, this.deps.requestTimeoutMs());
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      await this.menu(session, { kind: 'onlineOnly' });
      return null;
    }
  }

  /** A change, through the outbox: its answer, or 'pending' when it went into the journal without one. */
  private async journalled<K extends 'staff_block' | 'staff_replace' | 'staff_adjust'>(session: Session, request: RequestOf<K> & { kind: K }): Promise<Reply<K> | 'pending' | null> {
    let reply: Promise<Reply<K>>;
    try {
      ({ reply } = await this.deps.requests.submit<K>(request, this.deps.requestTimeoutMs()));
    } catch (error) {
      if (!(error instanceof JournalWriteError)) throw error;
      this.deps.log.error({ code: error.code, kind: request.kind }, 'staff action refused: the journal cannot be written');
      await this.menu(session, { kind: 'cannotRecord' });
      return null;
    }
    try {
      return await reply;
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      return 'pending';
    }
  }

  private async refused(session: Session, code: string, detail: string): Promise<void> {
    if (code === 'staff_blocked' || code === 'staff_not_found') {
      // The gateway no longer accepts this card: staff mode ends, whatever list the kiosk holds.
      this.deps.log.warn({ staff: session.staff.id, code }, 'staff card refused by the gateway; staff mode closed');
      await this.host.present({ screen: 'notice', notice: 'staffRefused' });
      await this.host.signal('error');
      this.session = null;
      return this.host.idleAfter(5000);
    }
    if (code === 'manager_required') return this.menu(session, { kind: 'managerNeeded' });
    if (code === 'card_not_found') return this.menu(session, { kind: 'cardNotFound' });
    await this.menu(session, { kind: 'refused', code, detail });
    return this.host.signal('error');
  }

  private requireOnline(session: Session): boolean {
    if (this.deps.requests.online) return true;
    session.step = { kind: 'menu' };
    session.message = { kind: 'onlineOnly' };
    return false;
  }

  private async menu(session: Session, message?: StaffMessage): Promise<void> {
    session.work = {};
    session.step = { kind: 'menu' };
    session.message = message;
    return this.show();
  }

  private async step(session: Session, step: StaffStep): Promise<void> {
    session.step = step;
    session.message = undefined;
    return this.show();
  }

  private async show(): Promise<void> {
    const session = this.session;
    if (!session) return;
    await this.host.present({ screen: 'staff', staff: { name: session.staff.name, role: session.staff.role }, step: session.step, ...(session.message ? { message: session.message } : {}) });
    return this.host.idleAfter(this.deps.idleMs);
  }

  private ref(session: Session): StaffRef {
    return { id: session.staff.id, uid: session.staff.uid };
  }

  /** Journalled and audited at the gateway; a failure to journal is logged, not shown to staff. */
  private log(action: RequestOf<'staff_log'>['action']): void {
    const session = this.session;
    if (!session) return;
    this.deps.requests
      .submit({ kind: 'staff_log', opId: this.deps.opIds.next(), staff: this.ref(session), action }, this.deps.requestTimeoutMs())
      .then(({ reply }) => reply.catch(() => undefined))
      .catch((error: Error) => this.deps.log.warn({ err: error.message, action }, 'staff action not journalled'));
  }
}

/** A tapped card has no number until the gateway says: its UID, shortened the same way. */
function maskUid(uid: string): string {
  return `•••${uid.slice(-4)}`;
}
