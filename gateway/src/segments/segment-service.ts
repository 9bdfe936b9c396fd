/**
 * Segments as versioned documents (docs/segments.md, docs/api.md "Segments"): `PUT` stores the
 * next version (never edits one), the newest version is in force. Who is in a segment is read
 * from the ledger when asked: a count and a paged list of customer ids for operators, and the
 * segments a promotion targets for one member's snapshot at a tap or a purchase.
 */
import { Segment } from '@loyalty/protocol';
import type { SqlClient, SqlExecutor } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';
import { LedgerError } from '../ledger/errors.js';
import { documentRefusal } from '../ledger/document-errors.js';
import { segmentPredicate } from './segment-sql.js';

export interface SegmentView {
  id: string;
  name: string;
  version: number;
  document: Segment;
  createdAt: string;
  createdBy: string;
}

export interface SegmentMembers {
  segmentId: string;
  version: number;
  count: number;
  items: string[];
  nextCursor: string | null;
}

export class SegmentService {
  constructor(
    private readonly client: SqlClient,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  async put(id: string, body: unknown, actor: string): Promise<{ id: string; version: number }> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LedgerError('invalid_request', 'a segment is a JSON object; see docs/segments.md');
    const document = { ...(body as Record<string, unknown>) };
    if (document.id !== undefined && document.id !== id) throw new LedgerError('invalid_request', `the document's id ${JSON.stringify(document.id)} is not the id in the path (${id})`);
    document.id = id;
    const parsed = Segment.safeParse(document);
    if (!parsed.success) throw documentRefusal('invalid_request', 'the segment', parsed.error.issues);
    return this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await tx.execute({ sql: 'INSERT INTO segments (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name', args: [id, parsed.data.name, at] });
      const version = Number((await tx.execute({ sql: 'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM segment_versions WHERE segment_id = ?', args: [id] })).rows[0]!.v);
      await tx.execute({
        sql: 'INSERT INTO segment_versions (segment_id, version, document, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
        args: [id, version, JSON.stringify(parsed.data), at, actor],
      });
      return { id, version };
    });
  }

  async get(id: string): Promise<SegmentView> {
    const [segment] = await newestVersions(this.client, [id]);
    if (!segment) throw new LedgerError('segment_not_found', `no segment ${id}`);
    return segment;
  }

  async list(): Promise<SegmentView[]> {
    const ids = (await this.client.execute('SELECT id FROM segments ORDER BY id')).rows.map((r) => String(r.id));
    return newestVersions(this.client, ids);
  }

  /** How many customers are in the segment now, and a page of their ids (ordered; no personal data). */
  async members(id: string, page: { limit: number; cursor?: string }): Promise<SegmentMembers> {
    const segment = await this.get(id);
    const predicate = segmentPredicate(segment.document, this.clock.now().getTime());
    const base = `FROM customers c WHERE c.erased_at IS NULL AND ${predicate.sql}`;
    const count = Number((await this.client.execute({ sql: `SELECT COUNT(*) AS n ${base}`, args: predicate.args })).rows[0]!.n);
    const rows = (await this.client.execute({ sql: `SELECT c.id ${base} AND c.id > ? ORDER BY c.id LIMIT ?`, args: [...predicate.args, page.cursor ?? '', page.limit + 1] })).rows.map((r) =>
      String(r.id),
    );
    const items = rows.slice(0, page.limit);
    return { segmentId: id, version: segment.version, count, items, nextCursor: rows.length > page.limit ? items.at(-1)! : null };
  }
}

const parsedDocuments = new Map<string, Segment>();

/** The newest version of each of these segments (unknown ids are left out). */
export async function newestVersions(db: SqlExecutor, ids: string[]): Promise<SegmentView[]> {
  if (ids.length === 0) return [];
  const rows = (
    await db.execute({
      sql: `SELECT s.id, s.name, v.version, v.document, v.created_at, v.created_by FROM segments s
              JOIN segment_versions v ON v.segment_id = s.id AND v.version = (SELECT MAX(version) FROM segment_versions WHERE segment_id = s.id)
             WHERE s.id IN (${ids.map(() => '?').join(', ')}) ORDER BY s.id`,
      args: ids,
    })
  ).rows;
  return rows.map((r) => {
    const key = `${String(r.id)}@${String(r.version)}`;
    // Versions never change: each is parsed once.
    let document = parsedDocuments.get(key);
    if (!document) {
      document = Segment.parse(JSON.parse(String(r.document)));
      if (parsedDocuments.size > 1000) parsedDocuments.clear();
      parsedDocuments.set(key, document);
    }
    return { id: String(r.id), name: String(r.name), version: Number(r.version), document, createdAt: String(r.created_at), createdBy: String(r.created_by) };
  });
}

/** How long a tap may use a segment's definition before reading it again (a new version applies within this). */
const DEFINITIONS_TTL_MS = 5000;
/**
 * Definitions read for a store's rule set (the segments its promotions target). Keyed by the rule
 * set object, which each gateway parses once per bundle version: never shared between gateways.
 */
const definitions = new WeakMap<object, { readAt: number; segments: Promise<SegmentView[]> }>();

function cachedDefinitions(db: SqlExecutor, ids: string[], owner: object): Promise<SegmentView[]> {
  const now = Date.now();
  const cached = definitions.get(owner);
  if (cached && now - cached.readAt < DEFINITIONS_TTL_MS) return cached.segments;
  const segments = newestVersions(db, ids);
  definitions.set(owner, { readAt: now, segments });
  segments.catch(() => definitions.delete(owner));
  return segments;
}

/**
 * Which of these segments the customer is in now: one statement for all of them. `rules`, the rule
 * set that targets them, keeps their definitions for a few seconds, so a tap reads no more than that.
 */
export async function segmentsOf(db: SqlExecutor, customerId: string | null, ids: string[], nowMs: number, rules: object): Promise<string[]> {
  if (customerId === null || ids.length === 0) return [];
  const segments = await cachedDefinitions(db, ids, rules);
  if (segments.length === 0) return [];
  const predicates = segments.map((s) => segmentPredicate(s.document, nowMs));
  const row = (
    await db.execute({
      sql: `SELECT ${predicates.map((p, i) => `(${p.sql}) AS s${i}`).join(', ')} FROM customers c WHERE c.id = ? AND c.erased_at IS NULL`,
      args: [...predicates.flatMap((p) => p.args), customerId],
    })
  ).rows[0];
  return row ? segments.filter((_, i) => Number(row[`s${i}`]) === 1).map((s) => s.id) : [];
}
