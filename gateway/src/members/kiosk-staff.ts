/**
 * Staff actions sent by a kiosk in staff mode (docs/staff.md). Each names the staff card that
 * opened staff mode; it is checked here, now (active, this store, this card), so a blocked staff
 * card stops working the moment it is blocked, whatever list the kiosk still holds. Every action
 * is audited with the staff member and the kiosk, once even when the kiosk resends it.
 */
import { maskCardNumber, type ReplyData, type RequestOf, type StaffRef } from '@loyalty/protocol';
import type { SqlClient } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { recordAudit, staffActor } from '../audit/audit-log.js';
import { LedgerError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../clock.js';
import type { CardService } from './card-service.js';
import type { CustomerService } from './customer-service.js';
import { maskPhone } from './phone.js';
import type { RegistrationService } from './registration-service.js';
import type { StaffService, StaffView } from './staff-service.js';

interface KioskContext {
  kioskId: string;
  storeId: string;
}

export interface StaffLimits {
  adjustmentLimitPoints: number;
  dailyAdjustmentLimitPoints: number;
}

const DAY_MS = 86_400_000;

export class KioskStaff {
  constructor(
    private readonly deps: {
      db: SqlClient;
      writer: GroupCommitWriter;
      clock: Clock;
      staff: StaffService;
      cards: CardService;
      ledger: Ledger;
      registrations: RegistrationService;
      customers: CustomerService;
      limits: StaffLimits;
    },
  ) {}

  /** The staff member behind a request: active, working at this store, and this is their card. */
  async check(ref: StaffRef, context: KioskContext): Promise<StaffView> {
    const staff = await this.deps.staff.activeAt(this.deps.db, ref.id, context.storeId);
    if (staff.cardUid !== ref.uid) throw new LedgerError('staff_blocked', 'this is not the card of that staff member');
    return staff;
  }

  async block(request: RequestOf<'staff_block'>, context: KioskContext): Promise<ReplyData<'staff_block'>> {
    await this.check(request.staff, context);
    const card = await this.deps.ledger.findCard(request.card);
    if (!card) throw new LedgerError('card_not_found', 'no such card');
    const already = card.status === 'blocked';
    await this.deps.cards.block({ number: card.number, reason: withNote(request.reason, request.note), actor: staffActor(request.staff.id, context.kioskId), opKey: request.opId });
    return { cardNumberMasked: maskCardNumber(card.number), alreadyBlocked: already };
  }

  async replace(request: RequestOf<'staff_replace'>, context: KioskContext): Promise<ReplyData<'staff_replace'>> {
    await this.check(request.staff, context);
    // A tapped card may be a numbered card already in the system (unlinked), or a blank one that gets the next number.
    const known = await this.deps.ledger.findCard(request.newCard);
    const replaced = await this.deps.cards.replace({
      opId: request.opId,
      number: request.oldCard.number,
      ...(known ? { newNumber: known.number } : 'uid' in request.newCard ? { newUid: request.newCard.uid } : { newNumber: request.newCard.number }),
      reason: withNote(request.reason, request.note),
      actor: staffActor(request.staff.id, context.kioskId),
    });
    return { oldMasked: maskCardNumber(replaced.old.number), newMasked: maskCardNumber(replaced.new.number), balance: replaced.new.balance };
  }

  async adjust(request: RequestOf<'staff_adjust'>, context: KioskContext): Promise<ReplyData<'staff_adjust'>> {
    const staff = await this.check(request.staff, context);
    if (staff.role !== 'manager') throw new LedgerError('manager_required', 'a manager’s card is needed to adjust points');
    if (request.confirmedBy.id !== staff.id || request.confirmedBy.uid !== staff.cardUid) throw new LedgerError('manager_required', 'the manager confirms with a second tap of the same card');
    const { adjustmentLimitPoints, dailyAdjustmentLimitPoints } = this.deps.limits;
    if (Math.abs(request.points) > adjustmentLimitPoints)
      throw new LedgerError('adjustment_limit', `at most ${adjustmentLimitPoints} points in one adjustment at a kiosk`, { limit: adjustmentLimitPoints });
    const since = new Date(this.deps.clock.now().getTime() - DAY_MS).toISOString();
    const today = (
      await this.deps.db.execute({
        sql: `SELECT detail FROM audit_log WHERE actor = ? AND action = 'points.adjust' AND at > ? AND (op_key IS NULL OR op_key <> ?)`,
        args: [`staff:${staff.id}`, since, `points.adjust:${request.opId}`],
      })
    ).rows.reduce((sum, row) => sum + Math.abs(Number((JSON.parse(String(row.detail)) as { points?: number }).points ?? 0)), 0);
    if (today + Math.abs(request.points) > dailyAdjustmentLimitPoints) {
      throw new LedgerError('adjustment_limit', `this adjustment would pass the ${dailyAdjustmentLimitPoints} points a manager may adjust in 24 hours (${today} so far)`, {
        limit: dailyAdjustmentLimitPoints,
        used: today,
      });
    }
    const adjusted = await this.deps.ledger.adjust({
      opId: request.opId,
      card: request.card,
      points: request.points,
      reason: withNote(request.reason, request.note),
      actor: staffActor(staff.id, context.kioskId),
    });
    const card = (await this.deps.ledger.findCard(request.card))!;
    return { cardNumberMasked: maskCardNumber(card.number), balance: adjusted.balance };
  }

  async find(request: RequestOf<'staff_find'>, context: KioskContext): Promise<ReplyData<'staff_find'>> {
    await this.check(request.staff, context);
    const started = await this.deps.registrations.startIdentification({ phone: request.phone, kioskId: context.kioskId, requester: { storeId: context.storeId } });
    return { lookupId: started.identificationId, expiresAt: started.expiresAt, phoneMasked: maskPhone(this.deps.customers.phone(request.phone)) };
  }

  async findVerify(request: RequestOf<'staff_find_verify'>, context: KioskContext): Promise<ReplyData<'staff_find_verify'>> {
    await this.check(request.staff, context);
    const customer = await this.deps.registrations.confirmIdentificationById({ identificationId: request.lookupId, code: request.code });
    return { cards: customer.cards.slice(0, 20).map((c) => ({ number: c.number, masked: maskCardNumber(c.number), status: c.status, balance: c.balance })) };
  }

  async log(request: RequestOf<'staff_log'>, context: KioskContext): Promise<ReplyData<'staff_log'>> {
    await this.check(request.staff, context);
    await this.deps.writer.run((tx) =>
      recordAudit(tx, { actor: staffActor(request.staff.id, context.kioskId), action: `kiosk.${request.action}`, opKey: request.opId }, this.deps.clock.now().toISOString()),
    );
    return { logged: true };
  }

  /** What this kiosk did since the shift started, for the shift report slip. */
  async shift(request: RequestOf<'staff_shift'>, context: KioskContext): Promise<ReplyData<'staff_shift'>> {
    await this.check(request.staff, context);
    const source = `kiosk:${context.kioskId}`;
    const since = new Date(request.since).toISOString();
    const one = async (sql: string, args: Array<string>) => (await this.deps.db.execute({ sql, args })).rows[0]!;
    const earned = await one(
      `SELECT COUNT(DISTINCT json_extract(t.refs, '$.purchase')) AS n, COALESCE(SUM(t.amount), 0) AS p
         FROM transfers t JOIN accounts d ON d.id = t.debit_account JOIN accounts c ON c.id = t.credit_account
        WHERE t.at >= ? AND json_extract(t.refs, '$.source') = ? AND d.code = 'op:issued:points' AND c.kind = 'customer'`,
      [since, source],
    );
    const redeemed = await one(
      `SELECT COUNT(*) AS n, COALESCE(SUM(t.amount), 0) AS p
         FROM transfers t JOIN accounts c ON c.id = t.credit_account LEFT JOIN holds h ON h.id = json_extract(t.refs, '$.hold')
        WHERE t.at >= ? AND c.code = 'op:redeemed:points' AND (json_extract(t.refs, '$.source') = ? OR json_extract(h.refs, '$.source') = ?)`,
      [since, source, source],
    );
    const registrations = await one(`SELECT COUNT(*) AS n FROM registrations r JOIN otp_codes o ON o.id = r.otp_id WHERE r.state = 'confirmed' AND r.confirmed_at >= ? AND o.kiosk_id = ?`, [
      since,
      context.kioskId,
    ]);
    const staffActions = await one(`SELECT COUNT(*) AS n FROM audit_log WHERE place = ? AND at >= ?`, [`kiosk:${context.kioskId}`, since]);
    return {
      since,
      earns: Number(earned.n),
      pointsEarned: Number(earned.p),
      redemptions: Number(redeemed.n),
      pointsRedeemed: Number(redeemed.p),
      registrations: Number(registrations.n),
      staffActions: Number(staffActions.n),
    };
  }

  /** A staff member issuing a card through the registration steps: checked like every staff action. */
  async issuer(ref: StaffRef | undefined, context: KioskContext): Promise<string> {
    if (!ref) return `kiosk:${context.kioskId}`;
    await this.check(ref, context);
    return staffActor(ref.id, context.kioskId);
  }
}

function withNote(reason: string, note: string | undefined): string {
  return note ? `${reason}: ${note}` : reason;
}
