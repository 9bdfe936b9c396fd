/**
 * The audit log (docs/audit-and-reports.md): one append-only table of every staff action and every
 * API action that changes a card, a customer, a balance or the staff. Entries are written in the
 * transaction of the change they describe, so a change without its entry cannot commit, and a
 * retried request (same op id or Idempotency-Key) lands once. Ids only: no names, phones or e-mail.
 */
import { z } from 'zod';
import type { SqlClient, SqlTransaction as Transaction } from '../db/sql.js';

/**
 * Who did it, as card events and transfer refs name them: `api:{token id}` for the HTTP API,
 * `staff:{staff id}@{kiosk id}` for a staff card at a kiosk. Customers acting for themselves
 * (`kiosk:{id}`, a registration at the kiosk) are not audited: the card's events keep them.
 */
export function staffActor(staffId: string, kioskId: string): string {
  return `staff:${staffId}@${kioskId}`;
}

export interface AuditEntry {
  /** `api:…` or `staff:…@…`; other actors write nothing */
  actor: string;
  /** what was done: `card.block`, `points.adjust`, `staff.create`, … */
  action: string;
  reason?: string | null;
  cardNumber?: string | null;
  customerId?: string | null;
  /** the staff member acted upon (staff.*) or acting (staff actions at a kiosk) */
  staffId?: string | null;
  /** before/after where it matters: balances, statuses, roles (ids and numbers only) */
  detail?: Record<string, unknown>;
  /** the op id or Idempotency-Key of the request: a retry's entry is written once */
  opKey?: string | null;
}

interface ParsedActor {
  actor: string;
  place: string;
  staffId: string | null;
  tokenId: string | null;
}

function parseActor(actor: string): ParsedActor | null {
  const staff = /^staff:([^@]+)@(.+)$/.exec(actor);
  if (staff) return { actor: `staff:${staff[1]}`, place: `kiosk:${staff[2]}`, staffId: staff[1]!, tokenId: null };
  if (actor.startsWith('api:')) return { actor, place: 'api', staffId: null, tokenId: actor.slice(4) };
  return null;
}

/** Appends one entry in the caller's transaction; the actor's role is read there, as it was then. */
export async function recordAudit(tx: Transaction, entry: AuditEntry, at: string): Promise<void> {
  const who = parseActor(entry.actor);
  if (!who) return;
  const role = who.staffId
    ? (await tx.execute({ sql: 'SELECT role FROM staff WHERE id = ?', args: [who.staffId] })).rows[0]?.role
    : (await tx.execute({ sql: 'SELECT role FROM api_tokens WHERE id = ?', args: [who.tokenId] })).rows[0]?.role;
  await tx.execute({
    sql: `INSERT INTO audit_log (at, actor, actor_role, place, action, reason, card_number, customer_id, staff_id, detail, op_key)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (op_key) DO NOTHING`,
    args: [
      at,
      who.actor,
      String(role ?? 'unknown'),
      who.place,
      entry.action,
      entry.reason ?? null,
      entry.cardNumber ?? null,
      entry.customerId ?? null,
      entry.staffId ?? who.staffId,
      JSON.stringify(entry.detail ?? {}),
      entry.opKey ? `${entry.action}:${entry.opKey}` : null,
    ],
  });
}

export const AuditRecord = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  actorRole: z.string(),
  place: z.string(),
  action: z.string(),
  reason: z.string().nullable(),
  cardNumber: z.string().nullable(),
  customerId: z.string().nullable(),
  staffId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export interface AuditQuery {
  cardNumber?: string;
  staffId?: string;
  /** RFC 3339, inclusive */
  from?: string;
  /** RFC 3339, exclusive */
  to?: string;
  limit: number;
  /** the id of the last entry of the previous page */
  cursor?: string;
}

/** Oldest first, paged by id (docs/api.md "Lists"). */
export async function readAudit(client: SqlClient, query: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const conditions: Array<[string, string | number | undefined]> = [
    ['card_number = ?', query.cardNumber],
    ['staff_id = ?', query.staffId],
    ['at >= ?', query.from],
    ['at < ?', query.to],
    ['id > ?', query.cursor === undefined ? undefined : Number(query.cursor)],
  ];
  const given = conditions.filter(([, value]) => value !== undefined && value !== '');
  const where = given.map(([sql]) => sql);
  const args = given.map(([, value]) => value as string | number);
  const rows = (
    await client.execute({
      sql: `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
      args: [...args, query.limit + 1],
    })
  ).rows;
  const items = rows.slice(0, query.limit).map((r) => ({
    id: Number(r.id),
    at: String(r.at),
    actor: String(r.actor),
    actorRole: String(r.actor_role),
    place: String(r.place),
    action: String(r.action),
    reason: r.reason === null ? null : String(r.reason),
    cardNumber: r.card_number === null ? null : String(r.card_number),
    customerId: r.customer_id === null ? null : String(r.customer_id),
    staffId: r.staff_id === null ? null : String(r.staff_id),
    detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
  }));
  return { items, nextCursor: rows.length > query.limit ? String(items.at(-1)!.id) : null };
}
