/**
 * Stores, programs, customers and cards: the reference data the ledger hangs on. The customers-
 * and-cards issue grows this into registration, batches and the card lifecycle.
 */
import { randomUUID } from 'node:crypto';
import type { SqlClient as Client } from '../db/sql.js';
import { isValidCardNumber, isValidId, normaliseUid } from '@loyalty/protocol';
import type { GroupCommitWriter } from '../db/writer.js';
import { insertCard } from '../members/card-service.js';
import { LedgerError } from './errors.js';
import type { Clock } from '../clock.js';

export interface StoreView {
  id: string;
  name: string;
  timezone: string;
  /** receipts without a till record a card may claim in 24 hours at this store (0: refused) */
  legacyReceiptsPerCardPerDay: number;
  createdAt: string;
}

export class Directory {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  async ensureStore(store: { id: string; name: string; timezone?: string }): Promise<void> {
    if (!isValidId(store.id)) throw new LedgerError('invalid_request', `store id ${JSON.stringify(store.id)} is not valid`);
    await this.writer.run((tx) =>
      tx.execute({
        sql: 'INSERT INTO stores (id, name, timezone, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
        args: [store.id, store.name, store.timezone ?? 'UTC', this.clock.now().toISOString()],
      }),
    );
  }

  async ensureProgram(program: { id: string; name: string }): Promise<void> {
    await this.writer.run((tx) =>
      tx.execute({
        sql: 'INSERT INTO programs (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
        args: [program.id, program.name, this.clock.now().toISOString()],
      }),
    );
  }

  async createCustomer(customer: { name: string; id?: string }): Promise<string> {
    const id = customer.id ?? randomUUID();
    await this.writer.run((tx) => tx.execute({ sql: 'INSERT INTO customers (id, name, created_at) VALUES (?, ?, ?)', args: [id, customer.name, this.clock.now().toISOString()] }));
    return id;
  }

  async issueCard(card: { number: string; programId: string; uid?: string; customerId?: string }): Promise<void> {
    if (!isValidCardNumber(card.number)) throw new LedgerError('invalid_request', `card number ${card.number} fails its check digit`);
    const uid = card.uid === undefined ? null : normaliseUid(card.uid);
    if (card.uid !== undefined && !uid) throw new LedgerError('invalid_request', 'uid must be a 4, 7 or 10 byte UID in hex');
    await this.writer.run((tx) => insertCard(tx, { number: card.number, uid, programId: card.programId, customerId: card.customerId, actor: 'setup', at: this.clock.now().toISOString() }));
  }

  async stores(): Promise<StoreView[]> {
    const rows = (await this.client.execute('SELECT id, name, timezone, legacy_receipts_per_card_day, created_at FROM stores ORDER BY id')).rows;
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      timezone: String(r.timezone),
      legacyReceiptsPerCardPerDay: Number(r.legacy_receipts_per_card_day),
      createdAt: String(r.created_at),
    }));
  }

  /** Changes a store's name, or how many receipts without a till record a card may claim there in 24 hours (0: none). */
  async updateStore(id: string, change: { name?: string; legacyReceiptsPerCardPerDay?: number }): Promise<StoreView> {
    await this.writer.run(async (tx) => {
      const updated = await tx.execute({
        sql: 'UPDATE stores SET name = COALESCE(?, name), legacy_receipts_per_card_day = COALESCE(?, legacy_receipts_per_card_day) WHERE id = ?',
        args: [change.name ?? null, change.legacyReceiptsPerCardPerDay ?? null, id],
      });
      if (updated.rowsAffected === 0) throw new LedgerError('store_not_found', `no store ${id}`);
    });
    return (await this.stores()).find((s) => s.id === id)!;
  }

  async countCards(): Promise<number> {
    return Number((await this.client.execute('SELECT count(*) AS n FROM cards')).rows[0]!.n);
  }
}
