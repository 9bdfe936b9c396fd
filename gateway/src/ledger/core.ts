/**
 * What every ledger module shares (docs/ledger.md): the database, the group-commit writer, the
 * options, the clock, the operator accounts and the small steps many operations take (the op-id
 * claim, a usable card, a balance, a points spend, the store's rules and the evaluator). Every
 * write runs through the writer, claims its op id in the same transaction, and is built from two
 * movements (points.ts) that keep lots and the hash chain right.
 */
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import { EvaluationError, evaluate, type Basket, type CardRef, type ErrorCode, type MemberSnapshot, type Quote, type ReceiptRef, type RuleSet } from '@loyalty/protocol';
import type { PurchaseItem } from './refund-plan.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';
import { OperatorAccounts, type OperatorAccount } from './accounts.js';
import { defaultRuleSet, type RuleSource } from '../programs/rule-source.js';
import { memberSnapshot } from '../programs/member-snapshot.js';
import { findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import { RecordedRefusal, runOnce, type Claimed, type OnceOptions } from './idempotency.js';
import { debitPoints } from './points.js';
import { postTransfer } from './transfers.js';

export const DAY_MS = 86_400_000;

export interface LedgerOptions {
  /** the built-in default program's rate, for stores with no published programs */
  demoPointsPerUnit: number;
  /** the stores' published rule sets (the built-in default alone when absent) */
  rules?: RuleSource;
  /** days until earned points expire; null = never (until programs set their own policy) */
  pointsExpiryDays?: number | null;
  /** what one point is worth in minor units when it pays for something (demo until programs) */
  pointValueMinor?: number;
  couponValidDays?: number;
  holdTtlMs?: number;
  /** days after a till registers a sale during which a kiosk scan may claim it (default 30) */
  receiptClaimWindowDays?: number;
  clock?: Clock;
}

export interface EarnInput {
  opId: string;
  card: CardRef;
  receipt: ReceiptRef;
  storeId: string;
  /** the kiosk or POS that asked: part of the request hash, recorded in the transfer refs */
  source: string;
}

export interface PurchaseInput {
  opId: string;
  card: CardRef;
  storeId: string;
  currency: string;
  items: PurchaseItem[];
  redeemPoints?: number;
  /** a purchase at a partner, who pays for the points */
  partnerId?: string;
  /** minor units paid from the cashback wallet */
  walletPayment?: number;
  /** the till receipt this purchase is: claimed once, for this purchase and any kiosk scan */
  receiptId?: string;
  source: string;
}

export interface Lot {
  points: number;
  expiresAt: string | null;
}

export interface CouponTerms {
  points: number;
  value: { amount: number; currency: string };
  validDays: number;
  rewardId?: string;
  rewardName?: string;
  rule?: string;
}

export interface StatementItem {
  at: string;
  kind: string;
  points: number;
  balance: number;
  ref: string;
}

export class LedgerCore {
  readonly operators = new OperatorAccounts();

  constructor(
    readonly client: Client,
    readonly writer: GroupCommitWriter,
    readonly options: LedgerOptions,
    readonly clock: Clock,
  ) {}

  get claimWindowDays(): number {
    return this.options.receiptClaimWindowDays ?? 30;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  expiryFor(at: string): string | null {
    const days = this.options.pointsExpiryDays === undefined ? 365 : this.options.pointsExpiryDays;
    return days === null ? null : new Date(Date.parse(at) + days * DAY_MS).toISOString();
  }

  get rules(): RuleSource {
    return (
      this.options.rules ?? {
        ruleSetFor: async (db, storeId, currency) => {
          const store = (await db.execute({ sql: 'SELECT timezone FROM stores WHERE id = ?', args: [storeId] })).rows[0];
          return defaultRuleSet(storeId, store ? String(store.timezone) : 'UTC', currency, {
            pointsPerUnit: this.options.demoPointsPerUnit,
            expiryDays: this.options.pointsExpiryDays === undefined ? 365 : this.options.pointsExpiryDays,
            pointValueMinor: this.options.pointValueMinor ?? 1,
          });
        },
      }
    );
  }

  /** Runs the evaluator for a card, with the member as the ledger knows them. */
  async quoteFor(db: Pick<Client, 'execute'>, card: CardRow, basket: Basket, at: string): Promise<{ quote: Quote; rules: RuleSet }> {
    const rules = await this.rules.ruleSetFor(db, basket.storeId, basket.currency);
    return { quote: this.evaluateFor(rules, basket, await memberSnapshot(db, card, rules, at, basket.currency), at), rules };
  }

  /** The evaluator's refusals become ledger refusals with the same meaning. */
  evaluateFor(rules: RuleSet, basket: Basket, member: MemberSnapshot, at: string): Quote {
    try {
      return evaluate(basket, member, rules, Date.parse(at));
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      const code: ErrorCode = error.code === 'invalid_basket' ? 'invalid_request' : error.code;
      throw new LedgerError(code, error.message, error.details);
    }
  }

  async once<T extends object>(opId: string, request: unknown, operation: (tx: Transaction, at: string) => Promise<T>, options: OnceOptions = {}): Promise<Claimed<T>> {
    const outcome = await this.writer.run(async (tx) => {
      const at = this.now();
      try {
        return { ok: true as const, value: await runOnce(tx, opId, request, at, () => operation(tx, at), options) };
      } catch (error) {
        // A remembered refusal must commit its claim row, so it leaves the transaction as a value.
        if (error instanceof RecordedRefusal) return { ok: false as const, error: error.refusal };
        throw error;
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async knownCard(tx: Pick<Transaction, 'execute'>, ref: CardRef): Promise<CardRow> {
    const card = await findCard(tx, ref);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    return card;
  }

  async usableCard(tx: Pick<Transaction, 'execute'>, ref: CardRef): Promise<CardRow> {
    const card = await this.knownCard(tx, ref);
    if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
    return card;
  }

  async balanceOf(tx: Transaction, account: number): Promise<number> {
    return Number((await tx.execute({ sql: 'SELECT balance FROM accounts WHERE id = ?', args: [account] })).rows[0]!.balance);
  }

  async spend(tx: Transaction, account: number, transferId: string, points: number, at: string, refs: Record<string, unknown>, excludeHold?: string): Promise<void> {
    if (!Number.isSafeInteger(points) || points <= 0) throw new LedgerError('invalid_request', 'points must be a positive integer');
    await debitPoints(tx, await this.operators.id(tx, 'redeemed'), { transferId, account, points, kind: 'redeem', refs, at, excludeHold });
  }

  async postOperatorTransfer(tx: Transaction, id: string, from: OperatorAccount, to: OperatorAccount, amount: number, kind: string, refs: Record<string, unknown>, at: string): Promise<void> {
    await postTransfer(tx, { id, debitAccount: await this.operators.id(tx, from), creditAccount: await this.operators.id(tx, to), amount, unit: 'points', kind, refs, at });
  }
}
