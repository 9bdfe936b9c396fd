/**
 * Customers (docs/customers-and-cards.md): one per phone number across the chain (E.164), consent with the time it
 * was given, a full export on request, and erasure that anonymises the person while the ledger
 * stays whole (transfers never name a person; they name accounts).
 */
import { randomUUID } from 'node:crypto';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { recordCardEvent } from '../ledger/card-status.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import { normalisePhone } from './phone.js';
import { recordAudit } from '../audit/audit-log.js';

export interface NewCustomer {
  name: string;
  phone?: string;
  email?: string;
  birthday?: string;
  referredBy?: string;
  marketingConsent?: boolean;
}

export interface CustomerView {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  birthday: string | null;
  referredBy: string | null;
  marketingConsent: boolean;
  marketingConsentAt: string | null;
  createdAt: string;
  erased: boolean;
}

export class CustomerService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly defaultCountry: string,
  ) {}

  phone(raw: string): string {
    const phone = normalisePhone(raw, this.defaultCountry);
    if (!phone) throw new LedgerError('invalid_request', `phone ${raw.length > 4 ? `…${raw.slice(-4)}` : ''} is not a valid number; use international format such as +49 151 12345678`);
    return phone;
  }

  /** `actor`: who, for the audit log (`api:{token}`); absent for set-up code. */
  async create(input: NewCustomer, actor = 'setup'): Promise<CustomerView> {
    const id = randomUUID();
    const phone = input.phone === undefined ? null : this.phone(input.phone);
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await this.insert(tx, id, { ...input, phone }, at);
      await recordAudit(tx, { actor, action: 'customer.create', customerId: id, detail: { marketingConsent: Boolean(input.marketingConsent) } }, at);
    });
    return (await this.get(id))!;
  }

  /** Inside a write transaction: used by registration too. */
  async insert(tx: Transaction, id: string, input: Omit<NewCustomer, 'phone'> & { phone: string | null }, at: string): Promise<void> {
    if (input.phone && (await tx.execute({ sql: 'SELECT 1 FROM customers WHERE phone = ?', args: [input.phone] })).rows.length) {
      throw new LedgerError('phone_taken', 'a customer with this phone number already exists; look them up with GET /customers?phone=');
    }
    if (input.referredBy && !(await tx.execute({ sql: 'SELECT 1 FROM customers WHERE id = ? AND erased_at IS NULL', args: [input.referredBy] })).rows.length) {
      throw new LedgerError('customer_not_found', `no customer ${input.referredBy} to be the referrer`);
    }
    await tx.execute({
      sql: `INSERT INTO customers (id, name, phone, email, birthday, referred_by, marketing_consent, marketing_consent_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [id, input.name, input.phone, input.email ?? null, input.birthday ?? null, input.referredBy ?? null, input.marketingConsent ? 1 : 0, input.marketingConsent ? at : null, at],
    });
  }

  async get(id: string): Promise<CustomerView | null> {
    const row = (await this.client.execute({ sql: 'SELECT * FROM customers WHERE id = ?', args: [id] })).rows[0];
    return row ? view(row) : null;
  }

  async findByPhone(raw: string): Promise<CustomerView[]> {
    const rows = (await this.client.execute({ sql: 'SELECT * FROM customers WHERE phone = ?', args: [this.phone(raw)] })).rows;
    return rows.map(view);
  }

  /** The customer with cards and their accounts, in one read (docs/api.md GET /customers/{id}). */
  async details(id: string) {
    const customer = await this.get(id);
    if (!customer) throw new LedgerError('customer_not_found', `no customer ${id}`);
    const cards = (await this.client.execute({ sql: 'SELECT number FROM cards WHERE customer_id = ? ORDER BY created_at, number', args: [id] })).rows;
    const views = [];
    for (const row of cards) {
      const card = (await this.ledger.findCard({ number: String(row.number) }))!;
      views.push({
        number: card.number,
        uid: card.uid,
        status: card.status,
        programId: card.programId,
        balance: card.balance,
        tier: await this.ledger.heldTier(card.accountId),
        lots: await this.ledger.lots(card.accountId),
      });
    }
    const memberships = (await this.client.execute({ sql: 'SELECT program_id, valid_until FROM memberships WHERE customer_id = ? ORDER BY program_id', args: [id] })).rows.map((r) => ({
      programId: String(r.program_id),
      validUntil: r.valid_until === null ? null : String(r.valid_until),
    }));
    return { ...customer, cards: views, tier: views.find((v) => v.tier !== null)?.tier ?? null, memberships };
  }

  /**
   * A customer changing their own details on the customers' page (docs/self-service.md): the name,
   * the marketing consent (its time kept while given), and the birthday only while none is set,
   * since the birthday bonus follows it.
   */
  async updateOwnDetails(id: string, input: { name: string; birthday: string | null; marketingConsent: boolean }): Promise<CustomerView> {
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const row = (await tx.execute({ sql: 'SELECT birthday, marketing_consent, erased_at FROM customers WHERE id = ?', args: [id] })).rows[0];
      if (!row || row.erased_at !== null) throw new LedgerError('customer_not_found', `no customer ${id}`);
      if (row.birthday !== null && input.birthday !== String(row.birthday)) {
        throw new LedgerError('invalid_request', 'the birthday can be changed only at the service desk');
      }
      const consentAt = input.marketingConsent ? (Number(row.marketing_consent) === 1 ? undefined : at) : null;
      await tx.execute({
        sql: `UPDATE customers SET name = ?, birthday = COALESCE(birthday, ?), marketing_consent = ?,
                     marketing_consent_at = CASE WHEN ?4 = 'keep' THEN marketing_consent_at ELSE ?5 END WHERE id = ?6`,
        args: [input.name, input.birthday, input.marketingConsent ? 1 : 0, consentAt === undefined ? 'keep' : 'set', consentAt ?? null, id],
      });
    });
    return (await this.get(id))!;
  }

  /** The opt-out link of a reminder (docs/reminders.md): no more marketing, nothing else changes. */
  async withdrawConsent(id: string): Promise<void> {
    await this.writer.run((tx) => tx.execute({ sql: 'UPDATE customers SET marketing_consent = 0, marketing_consent_at = NULL WHERE id = ?', args: [id] }));
  }

  /** Someone looked at a person's details in the console: who, whom, when (the audit log; no details in it). */
  async recordDisclosure(id: string, actor: string): Promise<void> {
    await this.writer.run((tx) => recordAudit(tx, { actor, action: 'customer.personal_data_shown', customerId: id }, this.clock.now().toISOString()));
  }

  /** Everything we hold about a person (GDPR Art. 15 / 20). */
  async export(id: string) {
    const details = await this.details(id);
    const statements = [];
    for (const card of details.cards) statements.push({ card: card.number, statement: (await this.ledger.statement(card.number, 500)).items });
    return { exportedAt: this.clock.now().toISOString(), customer: details, statements };
  }

  /**
   * Erasure (GDPR Art. 17): the person's fields are cleared and the customer row marked erased;
   * cards and the ledger stay (they carry no personal data), so balances and `verify` are intact.
   * The cards are unlinked from the person (an anonymous card keeps its points and can be
   * registered again); blocked cards stay blocked.
   */
  async erase(id: string, actor: string): Promise<{ id: string; erased: true; cardsUnlinked: number }> {
    const cardsUnlinked = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const row = (await tx.execute({ sql: 'SELECT erased_at FROM customers WHERE id = ?', args: [id] })).rows[0];
      if (!row) throw new LedgerError('customer_not_found', `no customer ${id}`);
      await tx.execute({
        sql: `UPDATE customers SET name = NULL, phone = NULL, email = NULL, birthday = NULL, marketing_consent = 0,
                     marketing_consent_at = NULL, erased_at = COALESCE(erased_at, ?) WHERE id = ?`,
        args: [at, id],
      });
      await tx.execute({ sql: 'UPDATE customers SET referred_by = NULL WHERE id = ?', args: [id] });
      await tx.execute({ sql: `UPDATE registrations SET phone = '', name = NULL WHERE customer_id = ?`, args: [id] });
      const cards = (await tx.execute({ sql: `SELECT number FROM cards WHERE customer_id = ?`, args: [id] })).rows;
      for (const card of cards) await recordCardEvent(tx, String(card.number), 'owner_erased', {}, actor, at);
      await tx.execute({ sql: `UPDATE cards SET customer_id = NULL, status = CASE status WHEN 'blocked' THEN 'blocked' ELSE 'unlinked' END WHERE customer_id = ?`, args: [id] });
      await recordAudit(tx, { actor, action: 'customer.erase', customerId: id, detail: { cardsUnlinked: cards.length } }, at);
      return cards.length;
    });
    return { id, erased: true, cardsUnlinked };
  }
}

function view(row: Record<string, unknown>): CustomerView {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id),
    name: text(row.name),
    phone: text(row.phone),
    email: text(row.email),
    birthday: text(row.birthday),
    referredBy: text(row.referred_by),
    marketingConsent: Number(row.marketing_consent) === 1,
    marketingConsentAt: text(row.marketing_consent_at),
    createdAt: String(row.created_at),
    erased: row.erased_at !== null && row.erased_at !== undefined,
  };
}
