/**
 * The card lifecycle (docs/customers-and-cards.md): numbered batches for a print shop, issue, link to a customer
 * (and correct a wrong link), block, replace; and the hotlist that goes to every store's kiosks.
 */
import { randomUUID } from 'node:crypto';
import { maskCardNumber, normaliseUid, type Hotlist } from '@loyalty/protocol';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { newCardAccount } from '../ledger/accounts.js';
import { blockCard, recordCardEvent } from '../ledger/card-status.js';
import { findCard, type CardRow } from '../ledger/cards.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import { allocateCardNumbers } from './card-numbers.js';
import { requireNotStaffCard } from './staff-service.js';
import { recordAudit } from '../audit/audit-log.js';

/** A new card with its own points account and an `issued` event (one transaction). */
export async function insertCard(
  tx: Transaction,
  card: { number: string; uid?: string | null; programId: string; customerId?: string; batchId?: string; actor: string; at: string; digital?: boolean },
): Promise<void> {
  await requireNotStaffCard(tx, card.uid);
  await tx.execute({
    sql: 'INSERT INTO cards (number, uid, program_id, customer_id, status, created_at, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    args: [card.number, card.uid ?? null, card.programId, card.customerId ?? null, card.customerId ? 'active' : 'unlinked', card.at, card.batchId ?? null],
  });
  const account = await newCardAccount(tx, card.number);
  await tx.execute({ sql: 'UPDATE cards SET account_id = ? WHERE number = ?', args: [account, card.number] });
  await recordCardEvent(tx, card.number, 'issued', { batch: card.batchId ?? null, linked: Boolean(card.customerId), ...(card.digital ? { digital: true } : {}) }, card.actor, card.at);
}

export interface CardServiceOptions {
  /** the first number handed out when nothing was issued yet (docs/api.md: ≥ 10001) */
  firstCardNumber: number;
  /** called after a commit that changed the hotlist */
  onHotlistChanged: (hotlist: Hotlist) => void;
}

export class CardService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly options: CardServiceOptions,
  ) {}

  /** Unlinked cards with check digits, for a print shop. */
  async batch(input: { programId: string; count: number; firstNumber?: number; actor: string }): Promise<{ batchId: string; numbers: string[] }> {
    const batchId = randomUUID();
    const numbers = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await this.requireProgram(tx, input.programId);
      const numbers = await allocateCardNumbers(tx, input.count, this.options.firstCardNumber, input.firstNumber);
      const taken = (await tx.execute({ sql: `SELECT number FROM cards WHERE number IN (${numbers.map(() => '?').join(',')}) LIMIT 1`, args: numbers })).rows[0];
      if (taken) throw new LedgerError('card_exists', `card ${String(taken.number)} already exists; leave out firstNumber to get the next free numbers`);
      await tx.execute({ sql: 'INSERT INTO card_batches (id, program_id, first_number, count, created_at) VALUES (?, ?, ?, ?, ?)', args: [batchId, input.programId, numbers[0]!, input.count, at] });
      for (const number of numbers) await insertCard(tx, { number, programId: input.programId, batchId, actor: input.actor, at });
      await recordAudit(tx, { actor: input.actor, action: 'card.batch', detail: { batchId, programId: input.programId, count: input.count, first: numbers[0], last: numbers.at(-1) } }, at);
      return numbers;
    });
    return { batchId, numbers };
  }

  async issue(input: { programId: string; number?: string; uid?: string; customerId?: string; actor: string }): Promise<CardRow> {
    const number = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await this.requireProgram(tx, input.programId);
      const number = input.number ?? (await allocateCardNumbers(tx, 1, this.options.firstCardNumber))[0]!;
      if (await findCard(tx, { number })) throw new LedgerError('card_exists', `card ${number} already exists`);
      const uid = input.uid === undefined ? null : normaliseUid(input.uid);
      if (input.uid !== undefined && !uid) throw new LedgerError('invalid_request', 'uid must be a 4, 7 or 10 byte UID in hex');
      if (uid && (await findCard(tx, { uid }))) throw new LedgerError('card_exists', `another card already has UID ${uid}`);
      if (input.customerId) await this.requireCustomer(tx, input.customerId);
      await insertCard(tx, { number, uid, programId: input.programId, customerId: input.customerId, actor: input.actor, at });
      await recordAudit(tx, { actor: input.actor, action: 'card.issue', cardNumber: number, customerId: input.customerId ?? null, detail: { programId: input.programId } }, at);
      return number;
    });
    return (await findCard(this.client, { number }))!;
  }

  /**
   * A card with no UID for a customer's phone (docs/self-service.md "Digital card"): the next number
   * from the card sequence, linked and active at once. A customer who already has an active card
   * gets that card back (its barcode is the digital card); otherwise the program is the one of their
   * newest card, else `programId` (the configured program for new digital cards).
   */
  async issueDigital(input: { customerId: string; programId?: string; actor: string }): Promise<CardRow> {
    const number = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await this.requireCustomer(tx, input.customerId);
      const active = (await tx.execute({ sql: `SELECT number FROM cards WHERE customer_id = ? AND status = 'active' ORDER BY created_at, number LIMIT 1`, args: [input.customerId] })).rows[0];
      if (active) return String(active.number);
      const newest = (await tx.execute({ sql: 'SELECT program_id FROM cards WHERE customer_id = ? ORDER BY created_at DESC, number DESC LIMIT 1', args: [input.customerId] })).rows[0];
      const programId = newest ? String(newest.program_id) : input.programId;
      if (!programId) throw new LedgerError('digital_card_unavailable', 'digital cards are not offered yet; please ask for a card in a store');
      await this.requireProgram(tx, programId);
      const number = (await allocateCardNumbers(tx, 1, this.options.firstCardNumber))[0]!;
      await insertCard(tx, { number, programId, customerId: input.customerId, actor: input.actor, at, digital: true });
      return number;
    });
    return (await findCard(this.client, { number }))!;
  }

  /** Links a card to a customer; moving a linked card to someone else needs `correction`. */
  async link(input: { number: string; customerId: string; correction?: { reason: string }; actor: string }): Promise<CardRow> {
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const card = await findCard(tx, { number: input.number });
      if (!card) throw new LedgerError('card_not_found', `no card ${input.number}`);
      if (card.status === 'blocked') throw new LedgerError('card_blocked', `card ${maskCardNumber(card.number)} is blocked`);
      await this.requireCustomer(tx, input.customerId);
      if (card.customerId === input.customerId) return;
      if (card.customerId && !input.correction) {
        throw new LedgerError('card_linked_elsewhere', 'this card belongs to another customer; to correct a wrong link, send correction.reason');
      }
      await tx.execute({ sql: `UPDATE cards SET customer_id = ?, status = 'active' WHERE number = ?`, args: [input.customerId, input.number] });
      await recordCardEvent(tx, input.number, card.customerId ? 'relinked' : 'linked', { from: card.customerId, to: input.customerId, reason: input.correction?.reason ?? null }, input.actor, at);
      await recordAudit(
        tx,
        {
          actor: input.actor,
          action: 'card.link',
          cardNumber: input.number,
          customerId: input.customerId,
          reason: input.correction?.reason ?? null,
          detail: { before: { customerId: card.customerId }, after: { customerId: input.customerId } },
        },
        at,
      );
    });
    return (await findCard(this.client, { number: input.number }))!;
  }

  async block(input: { number: string; reason: string; actor: string; opKey?: string }): Promise<CardRow> {
    await this.writer.run(async (tx) => {
      const card = await findCard(tx, { number: input.number });
      if (!card) throw new LedgerError('card_not_found', `no card ${input.number}`);
      if (card.status === 'blocked') return; // blocking twice is a no-op
      const at = this.clock.now().toISOString();
      await blockCard(tx, input.number, input.reason, input.actor, at);
      await recordAudit(
        tx,
        {
          actor: input.actor,
          action: 'card.block',
          cardNumber: input.number,
          customerId: card.customerId,
          reason: input.reason,
          detail: { before: { status: card.status }, after: { status: 'blocked' } },
          opKey: input.opKey,
        },
        at,
      );
    });
    await this.publishHotlist();
    return (await findCard(this.client, { number: input.number }))!;
  }

  async replace(input: { opId: string; number: string; newNumber?: string; newUid?: string; reason: string; actor: string }) {
    const newNumber = input.newNumber ?? (await this.writer.run(async (tx) => (await allocateCardNumbers(tx, 1, this.options.firstCardNumber))[0]!));
    const newUid = input.newUid === undefined ? null : normaliseUid(input.newUid);
    if (input.newUid !== undefined && !newUid) throw new LedgerError('invalid_request', 'newUid must be a 4, 7 or 10 byte UID in hex');
    const result = await this.ledger.replaceCard(
      { opId: input.opId, oldNumber: input.number, newNumber, newUid, reason: input.reason, actor: input.actor },
      { rememberRefusals: true, conflictCode: 'idempotency_key_reused' },
    );
    await this.publishHotlist();
    return result;
  }

  /** Every blocked card, with the version of the last change. */
  async hotlist(): Promise<Hotlist> {
    const version = Number((await this.client.execute('SELECT COALESCE(MAX(version), 0) AS v FROM hotlist_versions')).rows[0]!.v);
    const rows = (await this.client.execute(`SELECT number, uid FROM cards WHERE status = 'blocked' ORDER BY number`)).rows;
    return { version, numbers: rows.map((r) => String(r.number)), uids: rows.filter((r) => r.uid !== null).map((r) => String(r.uid)) };
  }

  async events(number: string): Promise<Array<{ kind: string; detail: unknown; actor: string; at: string }>> {
    const rows = (await this.client.execute({ sql: 'SELECT kind, detail, actor, at FROM card_events WHERE card_number = ? ORDER BY id', args: [number] })).rows;
    return rows.map((r) => ({ kind: String(r.kind), detail: JSON.parse(String(r.detail)) as unknown, actor: String(r.actor), at: String(r.at) }));
  }

  async publishHotlist(): Promise<void> {
    this.options.onHotlistChanged(await this.hotlist());
  }

  private async requireProgram(tx: Transaction, programId: string): Promise<void> {
    if (!(await tx.execute({ sql: 'SELECT 1 FROM programs WHERE id = ?', args: [programId] })).rows.length) {
      throw new LedgerError('invalid_request', `no program ${programId}`);
    }
  }

  private async requireCustomer(tx: Transaction, customerId: string): Promise<void> {
    const row = (await tx.execute({ sql: 'SELECT erased_at FROM customers WHERE id = ?', args: [customerId] })).rows[0];
    if (!row || row.erased_at !== null) throw new LedgerError('customer_not_found', `no customer ${customerId}`);
  }
}
