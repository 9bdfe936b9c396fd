/**
 * Model-based property test (docs/ledger.md): random sequences of purchases, redemptions, holds and
 * their post/void, refunds, expiry as time passes, card replacements and duplicate retries run
 * against the real ledger (libSQL file) and a plain in-memory model. After every step each
 * account's balance and open lots match the model and `verify` passes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError, type Ledger } from '@loyalty/gateway';
import { OpIdGenerator, cardNumberFor } from '@loyalty/protocol';
import { verifyLedger } from '../../../gateway/src/ledger/verify.js';
import { basket, ledgerRig, type LedgerRig } from './harness.js';

const DAY = 86_400_000;
const EXPIRY_DAYS = 10;
const HOLD_TTL = 60_000;

interface ModelLot {
  id: number;
  remaining: number;
  expiresAt: number;
}
interface ModelAccount {
  lots: ModelLot[];
  debt: number;
}
interface ModelHold {
  id: string;
  account: number;
  points: number;
  expiresAt: number;
  state: 'pending' | 'posted' | 'voided';
}
interface ModelPurchase {
  id: string;
  account: number;
  quantity: number;
  earned: number;
  lotId: number | null;
  refundedQty: number;
  reversed: number;
}
interface Model {
  now: number;
  accounts: ModelAccount[];
  /** card number → account index; blocked cards are removed */
  cards: Map<string, number>;
  holds: ModelHold[];
  purchases: ModelPurchase[];
  nextLot: number;
  nextCard: number;
  last: { run: (rig: LedgerRig) => Promise<unknown>; outcome: unknown } | null;
}

const balance = (a: ModelAccount) => a.lots.reduce((s, l) => s + l.remaining, 0);
const held = (m: Model, account: number, except?: string) =>
  m.holds.filter((h) => h.account === account && h.state === 'pending' && h.expiresAt > m.now && h.id !== except).reduce((s, h) => s + h.points, 0);
const order = (lots: ModelLot[], prefer?: number | null) =>
  [...lots].filter((l) => l.remaining > 0).sort((a, b) => Number(b.id === prefer) - Number(a.id === prefer) || a.expiresAt - b.expiresAt || a.id - b.id);
function draw(a: ModelAccount, points: number, prefer?: number | null): void {
  let left = points;
  for (const lot of order(a.lots, prefer)) {
    const take = Math.min(left, lot.remaining);
    lot.remaining -= take;
    left -= take;
    if (left === 0) break;
  }
}
function credit(m: Model, account: number, points: number): number {
  const a = m.accounts[account]!;
  const id = m.nextLot++;
  a.lots.push({ id, remaining: points, expiresAt: m.now + EXPIRY_DAYS * DAY });
  const repay = Math.min(a.debt, points);
  if (repay) {
    draw(a, repay);
    a.debt -= repay;
  }
  return id;
}
const cardOf = (m: Model, i: number) => [...m.cards.keys()][i % m.cards.size]!;
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
};

const ids = new OpIdGenerator();
const executed: string[] = [];

type Cmd = fc.AsyncCommand<Model, LedgerRig>;

class Purchase implements Cmd {
  constructor(
    readonly card: number,
    readonly quantity: number,
  ) {}
  check = () => true;
  async run(m: Model, r: LedgerRig) {
    const number = cardOf(m, this.card);
    const account = m.cards.get(number)!;
    const opId = ids.next();
    const call = (rig: LedgerRig) => rig.ledger.purchase({ opId, card: { number }, storeId: 's1', currency: 'EUR', items: basket(this.quantity), source: 'test' });
    const result = await call(r);
    const lotId = credit(m, account, this.quantity);
    m.purchases.push({ id: opId, account, quantity: this.quantity, earned: this.quantity, lotId, refundedQty: 0, reversed: 0 });
    expect(result).toMatchObject({ result: 'created', pointsEarned: this.quantity, balance: balance(m.accounts[account]!) });
    m.last = { run: call, outcome: 'ok' };
  }
  toString = () => `Purchase(${this.card}, ${this.quantity})`;
}

class Redeem implements Cmd {
  constructor(
    readonly card: number,
    readonly points: number,
  ) {}
  check = () => true;
  async run(m: Model, r: LedgerRig) {
    const number = cardOf(m, this.card);
    const account = m.cards.get(number)!;
    const opId = ids.next();
    const call = (rig: LedgerRig) => rig.ledger.redeem({ opId, card: { number }, points: this.points, storeId: 's1', source: 'test', currency: 'EUR' });
    const available = balance(m.accounts[account]!) - held(m, account);
    const outcome = await code(call(r));
    expect(outcome).toBe(this.points <= available ? 'ok' : 'insufficient_points');
    if (outcome === 'ok') draw(m.accounts[account]!, this.points);
    m.last = { run: call, outcome };
  }
  toString = () => `Redeem(${this.card}, ${this.points})`;
}

class Hold implements Cmd {
  constructor(
    readonly card: number,
    readonly points: number,
  ) {}
  check = () => true;
  async run(m: Model, r: LedgerRig) {
    const number = cardOf(m, this.card);
    const account = m.cards.get(number)!;
    const opId = ids.next();
    const call = (rig: LedgerRig) => rig.ledger.hold({ opId, card: { number }, points: this.points, reason: 'test', source: 'test' });
    const available = balance(m.accounts[account]!) - held(m, account);
    const outcome = await code(call(r));
    expect(outcome).toBe(this.points <= available ? 'ok' : 'insufficient_points');
    if (outcome === 'ok') m.holds.push({ id: opId, account, points: this.points, expiresAt: m.now + HOLD_TTL, state: 'pending' });
    m.last = { run: call, outcome };
  }
  toString = () => `Hold(${this.card}, ${this.points})`;
}

class Resolve implements Cmd {
  constructor(
    readonly which: number,
    readonly post: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.holds.length > 0;
  async run(m: Model, r: LedgerRig) {
    const hold = m.holds[this.which % m.holds.length]!;
    const opId = ids.next();
    const call = (rig: LedgerRig) => (this.post ? rig.ledger.postHold({ opId, holdId: hold.id }) : rig.ledger.voidHold({ opId, holdId: hold.id }));
    let expected: string;
    if (hold.state !== 'pending') expected = 'hold_not_pending';
    else if (this.post && hold.expiresAt <= m.now) expected = 'hold_expired';
    else if (this.post && hold.points > balance(m.accounts[hold.account]!) - held(m, hold.account, hold.id)) expected = 'insufficient_points';
    else expected = 'ok';
    const outcome = await code(call(r));
    expect(outcome).toBe(expected);
    if (outcome === 'ok') {
      if (this.post) draw(m.accounts[hold.account]!, hold.points);
      hold.state = this.post ? 'posted' : 'voided';
    }
    m.last = { run: call, outcome };
  }
  toString = () => `${this.post ? 'Post' : 'Void'}(${this.which})`;
}

class Refund implements Cmd {
  constructor(
    readonly which: number,
    readonly quantity: number | null,
  ) {}
  check = (m: Readonly<Model>) => m.purchases.length > 0;
  async run(m: Model, r: LedgerRig) {
    const p = m.purchases[this.which % m.purchases.length]!;
    const left = p.quantity - p.refundedQty;
    const qty = this.quantity === null ? left : Math.min(this.quantity, Math.max(left, 1));
    const opId = ids.next();
    const items = this.quantity === null ? undefined : [{ sku: 'SKU-1', quantity: qty }];
    const call = (rig: LedgerRig) => rig.ledger.refund({ opId, purchaseId: p.id, items });
    const outcome = await code(call(r));
    if (left === 0 || qty > left) {
      expect(outcome).toBe('refund_exceeds_purchase');
    } else {
      expect(outcome).toBe('ok');
      const cumulative = Math.floor((p.earned * (p.refundedQty + qty)) / p.quantity);
      const points = cumulative - p.reversed;
      const a = m.accounts[p.account]!;
      const reversed = Math.min(points, balance(a));
      draw(a, reversed, p.lotId);
      a.debt += points - reversed;
      p.refundedQty += qty;
      p.reversed += points;
    }
    m.last = { run: call, outcome };
  }
  toString = () => `Refund(${this.which}, ${this.quantity})`;
}

class PassTime implements Cmd {
  constructor(readonly days: number) {}
  check = () => true;
  async run(m: Model, r: LedgerRig) {
    m.now += this.days * DAY;
    r.clock.ms = m.now;
    await r.ledger.expire();
    await r.ledger.expire(); // twice: idempotent
    for (const a of m.accounts) for (const lot of a.lots) if (lot.expiresAt <= m.now) lot.remaining = 0;
    m.last = null;
  }
  toString = () => `PassTime(${this.days}d)`;
}

class Replace implements Cmd {
  constructor(readonly card: number) {}
  check = () => true;
  async run(m: Model, r: LedgerRig) {
    const old = cardOf(m, this.card);
    const account = m.cards.get(old)!;
    const next = cardNumberFor(5000 + m.nextCard++);
    const opId = ids.next();
    const call = (rig: LedgerRig) => rig.ledger.replaceCard({ opId, oldNumber: old, newNumber: next, reason: 'lost', actor: 'test' });
    await call(r);
    m.cards.delete(old);
    m.cards.set(next, account);
    expect(await code(r.ledger.redeem({ opId: ids.next(), card: { number: old }, points: 1, storeId: 's1', source: 't', currency: 'EUR' }))).toBe('card_blocked');
    m.last = { run: call, outcome: 'ok' };
  }
  toString = () => `Replace(${this.card})`;
}

/** The previous operation again with the same op id: a retry changes nothing. */
class Retry implements Cmd {
  check = (m: Readonly<Model>) => m.last !== null;
  async run(m: Model, r: LedgerRig) {
    const outcome = await code(m.last!.run(r));
    // A success comes back as `exists`; a kiosk-style refusal is not claimed and is refused again.
    expect(outcome).toBe(m.last!.outcome);
  }
  toString = () => 'Retry';
}

async function compare(m: Model, r: LedgerRig, ledger: Ledger): Promise<void> {
  for (const [number, account] of m.cards) {
    const card = (await ledger.findCard({ number }))!;
    const a = m.accounts[account]!;
    expect(card.balance, `balance of ${number}`).toBe(balance(a));
    const expectedLots = order(a.lots).map((l) => ({ points: l.remaining, expiresAt: new Date(l.expiresAt).toISOString() }));
    expect(await ledger.lots(card.accountId), `lots of ${number}`).toEqual(expectedLots);
  }
  const report = await verifyLedger(r.client);
  expect(report.violations).toEqual([]);
}

describe('ledger against a model', () => {
  it('matches the model after every step of random operation sequences', async () => {
    const card = fc.nat({ max: 2 });
    const commands = [
      fc.tuple(card, fc.integer({ min: 1, max: 50 })).map(([c, q]) => new Purchase(c, q)),
      fc.tuple(card, fc.integer({ min: 1, max: 60 })).map(([c, p]) => new Redeem(c, p)),
      fc.tuple(card, fc.integer({ min: 1, max: 40 })).map(([c, p]) => new Hold(c, p)),
      fc.tuple(fc.nat(), fc.boolean()).map(([w, post]) => new Resolve(w, post)),
      fc.tuple(fc.nat(), fc.option(fc.integer({ min: 1, max: 20 }), { nil: null })).map(([w, q]) => new Refund(w, q)),
      fc.integer({ min: 1, max: 6 }).map((d) => new PassTime(d)),
      card.map((c) => new Replace(c)),
      fc.constant(new Retry()),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (cmds) => {
        const rig = await ledgerRig();
        try {
          const model: Model = {
            now: rig.clock.ms,
            accounts: rig.cards.map(() => ({ lots: [], debt: 0 })),
            cards: new Map(rig.cards.map((n, i) => [n, i])),
            holds: [],
            purchases: [],
            nextLot: 1,
            nextCard: 0,
            last: null,
          };
          await fc.asyncModelRun(
            () => ({ model, real: rig }),
            [...cmds].map((c) => ({
              check: (m: Readonly<Model>) => c.check(m),
              run: async (m: Model, r: LedgerRig) => {
                await c.run(m, r);
                executed.push(c.toString());
                await compare(m, r, r.ledger);
              },
              toString: () => c.toString(),
            })),
          );
        } finally {
          await rig.close();
        }
      }),
      { numRuns: 60 },
    );
    // The generator must really exercise the ledger, every kind of step included.
    console.log(`model test: ${executed.length} steps`);
    // Post and Void are one command (Resolve), drawn at random: check the command, not each arm.
    for (const kind of [/^Purchase/, /^Redeem/, /^Hold/, /^(Post|Void)/, /^Refund/, /^PassTime/, /^Replace/, /^Retry/]) {
      expect(
        executed.some((e) => kind.test(e)),
        `${kind} ran`,
      ).toBe(true);
    }
  }, 120_000);
});
