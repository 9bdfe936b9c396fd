/**
 * Staff and their NFC cards (docs/staff.md): who may open staff mode at which store's kiosks,
 * with which role. A staff card's UID is never also a customer card's. Every change is audited
 * and bumps the staff-list version; the signed list of each store goes to its kiosks, so staff
 * mode opens while the gateway is unreachable, and a blocked card stops working as soon as the
 * new list arrives (and at once for anything sent to the gateway, which checks every request).
 */
import { randomUUID } from 'node:crypto';
import { normaliseUid, type StaffList, type StaffRole } from '@loyalty/protocol';
import type { SqlClient as Client, SqlExecutor, SqlTransaction as Transaction, SqlRow } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { recordAudit } from '../audit/audit-log.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';

export interface StaffView {
  id: string;
  name: string;
  role: StaffRole;
  cardUid: string;
  /** null: every store */
  storeId: string | null;
  status: 'active' | 'blocked';
  blockedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StaffServiceOptions {
  /** called after a commit that changed the staff: each store's kiosks get their new list */
  onStaffChanged: () => void;
}

/** A staff member's card is refused when it is a customer card; call in the transaction that adds a card UID. */
export async function requireNotStaffCard(tx: Transaction, uid: string | null | undefined): Promise<void> {
  if (!uid) return;
  if ((await tx.execute({ sql: 'SELECT 1 FROM staff WHERE card_uid = ?', args: [uid] })).rows.length) {
    throw new LedgerError('staff_card_in_use', `UID ${uid} is a staff card; a customer card needs another`);
  }
}

export class StaffService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly options: StaffServiceOptions,
  ) {}

  async create(input: { name: string; role: StaffRole; cardUid: string; storeId?: string | null; actor: string }): Promise<StaffView> {
    const uid = normaliseUid(input.cardUid);
    if (!uid) throw new LedgerError('invalid_request', 'cardUid must be a 4, 7 or 10 byte NFC UID in hex');
    const id = `S${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await this.requireFreeUid(tx, uid);
      if (input.storeId) await this.requireStore(tx, input.storeId);
      await tx.execute({
        sql: `INSERT INTO staff (id, name, role, card_uid, store_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`,
        args: [id, input.name, input.role, uid, input.storeId ?? null, at, at],
      });
      await this.bump(tx, id, at);
      await recordAudit(tx, { actor: input.actor, action: 'staff.create', staffId: id, detail: { after: { role: input.role, storeId: input.storeId ?? null } } }, at);
    });
    this.options.onStaffChanged();
    return this.get(id);
  }

  async list(): Promise<StaffView[]> {
    return (await this.client.execute('SELECT * FROM staff ORDER BY created_at, id')).rows.map(toView);
  }

  async get(id: string): Promise<StaffView> {
    const row = (await this.client.execute({ sql: 'SELECT * FROM staff WHERE id = ?', args: [id] })).rows[0];
    if (!row) throw new LedgerError('staff_not_found', `no staff member ${id}`);
    return toView(row);
  }

  /** Role and store changes; the name too (a typo, a marriage). */
  async update(id: string, change: { name?: string; role?: StaffRole; storeId?: string | null }, actor: string): Promise<StaffView> {
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const row = (await tx.execute({ sql: 'SELECT * FROM staff WHERE id = ?', args: [id] })).rows[0];
      if (!row) throw new LedgerError('staff_not_found', `no staff member ${id}`);
      const before = toView(row);
      if (change.storeId) await this.requireStore(tx, change.storeId);
      const after = { name: change.name ?? before.name, role: change.role ?? before.role, storeId: change.storeId === undefined ? before.storeId : change.storeId };
      await tx.execute({ sql: 'UPDATE staff SET name = ?, role = ?, store_id = ?, updated_at = ? WHERE id = ?', args: [after.name, after.role, after.storeId, at, id] });
      await this.bump(tx, id, at);
      await recordAudit(
        tx,
        { actor, action: 'staff.update', staffId: id, detail: { before: { role: before.role, storeId: before.storeId }, after: { role: after.role, storeId: after.storeId } } },
        at,
      );
    });
    this.options.onStaffChanged();
    return this.get(id);
  }

  async block(id: string, reason: string, actor: string): Promise<StaffView> {
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const row = (await tx.execute({ sql: 'SELECT status FROM staff WHERE id = ?', args: [id] })).rows[0];
      if (!row) throw new LedgerError('staff_not_found', `no staff member ${id}`);
      if (row.status === 'blocked') return;
      await tx.execute({ sql: `UPDATE staff SET status = 'blocked', blocked_reason = ?, updated_at = ? WHERE id = ?`, args: [reason, at, id] });
      await this.bump(tx, id, at);
      await recordAudit(tx, { actor, action: 'staff.block', staffId: id, reason, detail: { before: { status: 'active' }, after: { status: 'blocked' } } }, at);
    });
    this.options.onStaffChanged();
    return this.get(id);
  }

  /** The staff member a kiosk names in a request, checked now: active, and working at this store. */
  async activeAt(tx: SqlExecutor, staffId: string, storeId: string): Promise<StaffView> {
    const row = (await tx.execute({ sql: 'SELECT * FROM staff WHERE id = ?', args: [staffId] })).rows[0];
    if (!row) throw new LedgerError('staff_not_found', `no staff member ${staffId}`);
    const staff = toView(row);
    if (staff.status !== 'active') throw new LedgerError('staff_blocked', 'this staff card is blocked');
    if (staff.storeId !== null && staff.storeId !== storeId) throw new LedgerError('staff_blocked', 'this staff card does not work at this store');
    return staff;
  }

  /** What a store's kiosks get: its active staff and the chain's, with the version of the last change. */
  async listFor(storeId: string): Promise<StaffList> {
    const version = Number((await this.client.execute('SELECT COALESCE(MAX(version), 0) AS v FROM staff_list_versions')).rows[0]!.v);
    const rows = (await this.client.execute({ sql: `SELECT id, name, role, card_uid FROM staff WHERE status = 'active' AND (store_id IS NULL OR store_id = ?) ORDER BY id`, args: [storeId] })).rows;
    return { version, storeId, staff: rows.map((r) => ({ id: String(r.id), name: greetingName(String(r.name)), role: String(r.role) as StaffRole, uid: String(r.card_uid) })) };
  }

  /** Sends every store's list again (a new store's kiosks need theirs). */
  republish(): void {
    this.options.onStaffChanged();
  }

  private async bump(tx: Transaction, staffId: string, at: string): Promise<void> {
    await tx.execute({ sql: 'INSERT INTO staff_list_versions (staff_id, at) VALUES (?, ?)', args: [staffId, at] });
  }

  private async requireFreeUid(tx: Transaction, uid: string): Promise<void> {
    if ((await tx.execute({ sql: 'SELECT 1 FROM staff WHERE card_uid = ?', args: [uid] })).rows.length) {
      throw new LedgerError('staff_card_in_use', `UID ${uid} is already another staff member's card`);
    }
    if ((await tx.execute({ sql: 'SELECT 1 FROM cards WHERE uid = ?', args: [uid] })).rows.length) {
      throw new LedgerError('staff_card_in_use', `UID ${uid} is a customer card; give the staff member a card of their own`);
    }
  }

  private async requireStore(tx: Transaction, storeId: string): Promise<void> {
    if (!(await tx.execute({ sql: 'SELECT 1 FROM stores WHERE id = ?', args: [storeId] })).rows.length) throw new LedgerError('store_not_found', `no store ${storeId}`);
  }
}

/** "Olga Petrova" → "Olga P.": what the kiosk screen greets with; the full name stays on the gateway. */
function greetingName(name: string): string {
  const [first, second] = name.trim().split(/\s+/);
  return second ? `${first} ${second[0]}.` : first!;
}

function toView(row: SqlRow): StaffView {
  return {
    id: String(row.id),
    name: String(row.name),
    role: String(row.role) as StaffRole,
    cardUid: String(row.card_uid),
    storeId: row.store_id === null ? null : String(row.store_id),
    status: String(row.status) as 'active' | 'blocked',
    blockedReason: row.blocked_reason === null ? null : String(row.blocked_reason),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
