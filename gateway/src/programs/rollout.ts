/**
 * Which program version each store runs, and the store bundles made from that (docs/programs.md
 * "Publishing, staged rollout and rollback").
 *
 * `store_programs` holds one row per (store, program): the version that store runs. Publishing to
 * some stores rewrites only their rows, so every other store keeps the version it had; a store's
 * bundle is always built from its own rows. A rollback writes older versions into the rows and
 * issues a new bundle, with a higher bundle version, so kiosks (which refuse older bundle
 * versions) accept it.
 */
import { ruleSetFromBundle, type RulesBundle } from '@loyalty/protocol';
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { LedgerError } from '../ledger/errors.js';

type Reader = Pick<Transaction, 'execute'>;

export interface ProgramVersionRef {
  programId: string;
  version: number;
}

/** The program versions a store runs, by program id. */
export async function storeAssignments(db: Reader, storeId: string): Promise<Map<string, number>> {
  const rows = (await db.execute({ sql: 'SELECT program_id, version FROM store_programs WHERE store_id = ? ORDER BY program_id', args: [storeId] })).rows;
  return new Map(rows.map((r) => [String(r.program_id), Number(r.version)]));
}

export async function assign(tx: Transaction, storeId: string, programId: string, version: number, at: string, actor: string): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO store_programs (store_id, program_id, version, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (store_id, program_id) DO UPDATE SET version = excluded.version, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
    args: [storeId, programId, version, at, actor],
  });
}

export async function recordPublication(tx: Transaction, ref: ProgramVersionRef, stores: string[] | null, action: 'publish' | 'rollback', at: string, actor: string): Promise<void> {
  await tx.execute({
    sql: 'INSERT INTO program_publications (program_id, version, stores, action, at, actor) VALUES (?, ?, ?, ?, ?, ?)',
    args: [ref.programId, ref.version, stores === null ? null : JSON.stringify(stores), action, at, actor],
  });
}

/** Per program, the version of its newest chain-wide publication: what a new store starts with. */
export async function chainWideVersions(db: Reader): Promise<ProgramVersionRef[]> {
  const rows = (
    await db.execute(`SELECT p.program_id, p.version FROM program_publications p
       WHERE p.stores IS NULL AND p.id = (SELECT MAX(id) FROM program_publications x WHERE x.program_id = p.program_id AND x.stores IS NULL)
       ORDER BY p.program_id`)
  ).rows;
  return rows.map((r) => ({ programId: String(r.program_id), version: Number(r.version) }));
}

/** Builds, checks and stores a new bundle for the store from its rows in store_programs. */
export async function buildBundle(tx: Transaction, storeId: string, at: string): Promise<RulesBundle> {
  const store = (await tx.execute({ sql: 'SELECT timezone FROM stores WHERE id = ?', args: [storeId] })).rows[0];
  if (!store) throw new LedgerError('store_not_found', `no store ${storeId}`);
  const rows = (
    await tx.execute({
      sql: `SELECT v.version, v.document FROM store_programs s
              JOIN program_versions v ON v.program_id = s.program_id AND v.version = s.version
             WHERE s.store_id = ? ORDER BY s.program_id`,
      args: [storeId],
    })
  ).rows;
  const programs = rows.map((r) => ({ version: Number(r.version), document: JSON.parse(String(r.document)) as Record<string, unknown> }));
  const inserted = await tx.execute({ sql: "INSERT INTO rule_bundles (store_id, body, created_at) VALUES (?, '', ?)", args: [storeId, at] });
  const version = Number(inserted.lastInsertRowid);
  const bundle: RulesBundle = { version, storeId, timezone: String(store.timezone), issuedAt: at, programs };
  // Checked here so a bundle no kiosk could load is never stored or sent.
  ruleSetFromBundle(bundle);
  await tx.execute({ sql: 'UPDATE rule_bundles SET body = ? WHERE version = ?', args: [JSON.stringify(bundle), version] });
  return bundle;
}

/** The program versions a stored bundle carries, by program id. */
export function bundlePrograms(bundle: RulesBundle): Map<string, number> {
  return new Map(bundle.programs.map((p) => [String(p.document.id), p.version]));
}

export function sameAssignments(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, version] of a) if (b.get(id) !== version) return false;
  return true;
}

/** A store's bundles, newest first. */
export async function bundleHistory(db: Reader, storeId: string, limit = 200): Promise<RulesBundle[]> {
  const rows = (await db.execute({ sql: 'SELECT body FROM rule_bundles WHERE store_id = ? ORDER BY version DESC LIMIT ?', args: [storeId, limit] })).rows;
  return rows.map((r) => JSON.parse(String(r.body)) as RulesBundle);
}

export interface RollbackTarget {
  programId?: string;
  toVersion?: number;
}

/**
 * What a rollback sets the store's rows to:
 * - a program and a version: that program at that version (it must have been published before);
 * - a program only: that program at the version it ran in the store before its current one;
 * - nothing: every program as in the store's bundle before the content it runs now.
 */
export async function rollbackAssignments(db: Reader, storeId: string, target: RollbackTarget): Promise<Map<string, number>> {
  const current = await storeAssignments(db, storeId);
  if (target.toVersion !== undefined && target.programId === undefined) throw new LedgerError('invalid_request', 'toVersion needs programId');
  if (target.programId !== undefined && target.toVersion !== undefined) {
    const row = (await db.execute({ sql: 'SELECT published_at FROM program_versions WHERE program_id = ? AND version = ?', args: [target.programId, target.toVersion] })).rows[0];
    if (!row) throw new LedgerError('program_not_found', `program ${target.programId} has no version ${target.toVersion}`);
    if (row.published_at === null) throw new LedgerError('invalid_request', `version ${target.toVersion} of ${target.programId} was never published; publish it first`);
    return new Map(current).set(target.programId, target.toVersion);
  }
  const history = await bundleHistory(db, storeId);
  if (target.programId !== undefined) {
    const programId = target.programId;
    const now = current.get(programId);
    const earlier = history.map((b) => bundlePrograms(b).get(programId)).find((v) => v !== undefined && v !== now);
    if (earlier === undefined) throw new LedgerError('nothing_to_roll_back', `store ${storeId} has run no other version of ${programId}`);
    return new Map(current).set(programId, earlier);
  }
  const earlier = history.map(bundlePrograms).find((programs) => !sameAssignments(programs, current));
  if (!earlier) throw new LedgerError('nothing_to_roll_back', `store ${storeId} has no earlier rules to go back to`);
  return earlier;
}
