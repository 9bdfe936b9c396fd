/**
 * Program documents and the rule bundles made from them (issue 4, API.md "Programs").
 *
 * - `PUT /programs/{id}` stores a new draft version (never edits one).
 * - `POST /programs/{id}/publish` marks the latest version published for some or all stores,
 *   builds a new bundle for every store (all programs in force there, each at its newest
 *   published version) and hands it to `publish`, which signs it and sends it retained on the
 *   store's `rules` topic.
 * - The ledger evaluates a store's purchases with that store's newest bundle, read from the
 *   database (so replicas agree), parsed once per bundle version by the same function a kiosk
 *   uses (`ruleSetFromBundle`).
 *
 * A store with no bundle earns by the built-in default program (config `demoPointsPerUnit`,
 * `ledger.*`), recorded as `builtin-default@v0`, so an install works before its first program.
 */
import { Program, ruleSetFromBundle, type ProgramInput, type RuleSet, type RulesBundle } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../ledger/ledger.js';

type Reader = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

export interface DefaultProgramOptions {
  /** points per whole currency unit */
  pointsPerUnit: number;
  expiryDays: number | null;
  pointValueMinor: number;
}

export interface ProgramVersionView {
  version: number;
  document: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  publishedAt: string | null;
  stores: string[] | null;
}

/** Where the ledger gets the rules for a purchase. */
export interface RuleSource {
  ruleSetFor(db: Reader, storeId: string, currency: string): Promise<RuleSet>;
}

export const DEFAULT_PROGRAM_ID = 'builtin-default';

const defaults = new Map<string, RuleSet>();

/** The built-in default as a program document, evaluated like any other (parsed once per store setting). */
export function defaultRuleSet(storeId: string, timezone: string, currency: string, options: DefaultProgramOptions): RuleSet {
  const key = JSON.stringify([storeId, timezone, currency, options]);
  const cached = defaults.get(key);
  if (cached) return cached;
  const program = Program.parse({
    kind: 'points',
    id: DEFAULT_PROGRAM_ID,
    name: 'Points',
    openTo: 'all_cards',
    currency,
    earn: { rate: { points: options.pointsPerUnit, per: 100, rounding: 'floor' } },
    redemption: { pointValue: options.pointValueMinor },
    expiry: options.expiryDays === null ? { policy: 'never' } : { policy: 'days_after_earning', days: options.expiryDays },
  } satisfies ProgramInput);
  const ruleSet: RuleSet = { version: 0, storeId, timezone, programs: [{ version: 0, program }] };
  if (defaults.size > 1000) defaults.clear();
  defaults.set(key, ruleSet);
  return ruleSet;
}

export class ProgramService implements RuleSource {
  private readonly parsed = new Map<number, RuleSet>();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly options: { defaults: DefaultProgramOptions; publish: (storeId: string, bundle: RulesBundle) => Promise<void>; log: Logger },
  ) {}

  /** Validates a document and stores it as the program's next draft version. */
  async put(id: string, body: unknown, actor: string): Promise<{ id: string; version: number }> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LedgerError('invalid_program', 'a program document is a JSON object; see docs/programs.md');
    const document = { ...(body as Record<string, unknown>) };
    if (document.id !== undefined && document.id !== id) throw new LedgerError('invalid_program', `the document's id ${JSON.stringify(document.id)} is not the id in the path (${id})`, [{ path: ['id'], message: 'must match the path' }]);
    document.id = id;
    const parsed = Program.safeParse(document);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ path: i.path, field: i.path.join('.') || '(document)', message: i.message }));
      throw new LedgerError('invalid_program', `the program document is not valid: ${details.slice(0, 3).map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
    }
    return this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const existing = (await tx.execute({ sql: 'SELECT kind FROM programs WHERE id = ?', args: [id] })).rows[0];
      if (existing && existing.kind !== null && existing.kind !== parsed.data.kind) {
        throw new LedgerError('invalid_program', `program ${id} is a ${String(existing.kind)} program; a new kind needs a new program id`, [{ path: ['kind'], field: 'kind', message: 'cannot change' }]);
      }
      await tx.execute({
        sql: 'INSERT INTO programs (id, name, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind',
        args: [id, parsed.data.name, parsed.data.kind, at],
      });
      const version = Number((await tx.execute({ sql: 'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM program_versions WHERE program_id = ?', args: [id] })).rows[0]!.v);
      await tx.execute({
        sql: 'INSERT INTO program_versions (program_id, version, document, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
        args: [id, version, JSON.stringify(document), at, actor],
      });
      return { id, version };
    });
  }

  /** The published version in force and the newest draft, if newer. */
  async get(id: string) {
    const program = (await this.client.execute({ sql: 'SELECT id, name, kind FROM programs WHERE id = ?', args: [id] })).rows[0];
    if (!program) throw new LedgerError('program_not_found', `no program ${id}`);
    const versions = (await this.client.execute({ sql: 'SELECT * FROM program_versions WHERE program_id = ? ORDER BY version DESC', args: [id] })).rows.map(versionView);
    const current = versions.find((v) => v.publishedAt !== null) ?? null;
    const draft = versions[0] && versions[0].publishedAt === null ? versions[0] : null;
    return { id, name: String(program.name), kind: program.kind === null ? null : String(program.kind), current, draft };
  }

  async list() {
    const rows = (
      await this.client.execute(`SELECT p.id, p.name, p.kind,
          (SELECT MAX(version) FROM program_versions v WHERE v.program_id = p.id AND v.published_at IS NOT NULL) AS current,
          (SELECT MAX(version) FROM program_versions v WHERE v.program_id = p.id) AS latest
        FROM programs p ORDER BY p.id`)
    ).rows;
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      kind: r.kind === null ? null : String(r.kind),
      currentVersion: r.current === null ? null : Number(r.current),
      draftVersion: r.latest !== null && r.latest !== r.current ? Number(r.latest) : null,
    }));
  }

  /**
   * Publishes the program's newest version to `stores` (every store when absent) and sends every
   * store its new bundle. Publishing a version that is already published with the same stores
   * changes nothing and returns it again.
   */
  async publish(id: string, stores: string[] | undefined, actor: string): Promise<{ id: string; version: number; bundles: Array<{ storeId: string; version: number }> }> {
    const result = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const latest = (await tx.execute({ sql: 'SELECT version, published_at, stores FROM program_versions WHERE program_id = ? ORDER BY version DESC LIMIT 1', args: [id] })).rows[0];
      if (!latest) {
        const exists = (await tx.execute({ sql: 'SELECT 1 FROM programs WHERE id = ?', args: [id] })).rows.length;
        throw new LedgerError(exists ? 'nothing_to_publish' : 'program_not_found', exists ? `program ${id} has no document yet; PUT /programs/${id} first` : `no program ${id}`);
      }
      const known = new Set((await tx.execute('SELECT id FROM stores')).rows.map((r) => String(r.id)));
      const unknown = (stores ?? []).filter((s) => !known.has(s));
      if (unknown.length) throw new LedgerError('invalid_request', `no such store: ${unknown.join(', ')}`, { unknown });
      const version = Number(latest.version);
      const storesJson = stores ? JSON.stringify([...new Set(stores)].sort()) : null;
      if (latest.published_at !== null && latest.stores === storesJson) return { version, bundles: [] };
      await tx.execute({
        sql: 'UPDATE program_versions SET published_at = COALESCE(published_at, ?), published_by = COALESCE(published_by, ?), stores = ? WHERE program_id = ? AND version = ?',
        args: [at, actor, storesJson, id, version],
      });
      const bundles: RulesBundle[] = [];
      for (const storeId of [...known].sort()) bundles.push(await this.buildBundle(tx, storeId, at));
      return { version, bundles };
    });
    for (const bundle of result.bundles) await this.send(bundle);
    return { id, version: result.version, bundles: result.bundles.map((b) => ({ storeId: b.storeId, version: b.version })) };
  }

  /** A new store gets the programs published to every store. */
  async publishStore(storeId: string): Promise<void> {
    const bundle = await this.writer.run(async (tx) => {
      const count = Number((await tx.execute("SELECT count(*) AS n FROM program_versions WHERE published_at IS NOT NULL")).rows[0]!.n);
      return count === 0 ? null : this.buildBundle(tx, storeId, this.clock.now().toISOString());
    });
    if (bundle) await this.send(bundle);
  }

  /** Sends every store its newest bundle again (retained), at start. */
  async republishAll(): Promise<void> {
    const rows = (await this.client.execute('SELECT b.body FROM rule_bundles b WHERE b.version = (SELECT MAX(version) FROM rule_bundles x WHERE x.store_id = b.store_id)')).rows;
    for (const row of rows) await this.send(JSON.parse(String(row.body)) as RulesBundle);
  }

  async bundleFor(storeId: string, db: Reader = this.client): Promise<RulesBundle | null> {
    const row = (await db.execute({ sql: 'SELECT body FROM rule_bundles WHERE store_id = ? ORDER BY version DESC LIMIT 1', args: [storeId] })).rows[0];
    return row ? (JSON.parse(String(row.body)) as RulesBundle) : null;
  }

  async ruleSetFor(db: Reader, storeId: string, currency: string): Promise<RuleSet> {
    // The newest version is one indexed read; the bundle is read and parsed once per version.
    const newest = (await db.execute({ sql: 'SELECT version FROM rule_bundles WHERE store_id = ? ORDER BY version DESC LIMIT 1', args: [storeId] })).rows[0];
    if (!newest) {
      const store = (await db.execute({ sql: 'SELECT timezone FROM stores WHERE id = ?', args: [storeId] })).rows[0];
      return defaultRuleSet(storeId, store ? String(store.timezone) : 'UTC', currency, this.options.defaults);
    }
    const version = Number(newest.version);
    let ruleSet = this.parsed.get(version);
    if (!ruleSet) {
      const row = (await db.execute({ sql: 'SELECT body FROM rule_bundles WHERE version = ?', args: [version] })).rows[0]!;
      ruleSet = ruleSetFromBundle(JSON.parse(String(row.body)) as RulesBundle);
      this.parsed.set(version, ruleSet);
    }
    return ruleSet;
  }

  private async buildBundle(tx: Transaction, storeId: string, at: string): Promise<RulesBundle> {
    const timezone = String((await tx.execute({ sql: 'SELECT timezone FROM stores WHERE id = ?', args: [storeId] })).rows[0]!.timezone);
    const rows = (
      await tx.execute(`SELECT v.program_id, v.version, v.document, v.stores FROM program_versions v
         WHERE v.published_at IS NOT NULL
           AND v.version = (SELECT MAX(version) FROM program_versions x WHERE x.program_id = v.program_id AND x.published_at IS NOT NULL)
         ORDER BY v.program_id`)
    ).rows;
    const programs = rows
      .filter((r) => r.stores === null || (JSON.parse(String(r.stores)) as string[]).includes(storeId))
      .map((r) => ({ version: Number(r.version), document: JSON.parse(String(r.document)) as Record<string, unknown> }));
    const inserted = await tx.execute({ sql: "INSERT INTO rule_bundles (store_id, body, created_at) VALUES (?, '', ?)", args: [storeId, at] });
    const version = Number(inserted.lastInsertRowid);
    const bundle: RulesBundle = { version, storeId, timezone, issuedAt: at, programs };
    // Checked here so a bundle no kiosk could load is never stored or sent.
    ruleSetFromBundle(bundle);
    await tx.execute({ sql: 'UPDATE rule_bundles SET body = ? WHERE version = ?', args: [JSON.stringify(bundle), version] });
    return bundle;
  }

  private async send(bundle: RulesBundle): Promise<void> {
    try {
      await this.options.publish(bundle.storeId, bundle);
      this.options.log.info({ store: bundle.storeId, version: bundle.version, programs: bundle.programs.length }, 'rules bundle published');
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message, store: bundle.storeId }, 'could not publish the rules bundle; it is sent again at the next publish or restart');
    }
  }
}

function versionView(r: Record<string, unknown>): ProgramVersionView {
  return {
    version: Number(r.version),
    document: JSON.parse(String(r.document)) as Record<string, unknown>,
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
    publishedAt: r.published_at === null ? null : String(r.published_at),
    stores: r.stores === null ? null : (JSON.parse(String(r.stores)) as string[]),
  };
}
