/**
 * Program documents and the rule bundles made from them (docs/programs.md, docs/api.md "Programs").
 *
 * - `PUT /programs/{id}` stores a new draft version (never edits one).
 * - `POST /programs/{id}/publish` puts a version (the newest by default) on some or all stores;
 *   only those stores get a new bundle (rollout.ts: each store runs its own program versions),
 *   which `publish` signs and sends retained on the store's `rules` topic.
 * - `POST /stores/{id}/rules/rollback` puts a store back on earlier rules with a new bundle.
 * - The ledger evaluates a store's purchases with that store's newest bundle, read from the
 *   database (so replicas agree), parsed once per bundle version by the same function a kiosk
 *   uses (`ruleSetFromBundle`).
 *
 * A store with no bundle earns by the built-in default program (rule-source.ts).
 */
import { Program, ruleSetFromBundle, type RuleSet, type RulesBundle } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import { documentRefusal } from '../ledger/document-errors.js';
import type { Clock } from '../clock.js';
import { defaultRuleSet, type DefaultProgramOptions, type RuleSource } from './rule-source.js';
import { assign, buildBundle, bundlePrograms, chainWideVersions, recordPublication, rollbackAssignments, sameAssignments, storeAssignments, type RollbackTarget } from './rollout.js';

type Reader = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

export interface ProgramVersionView {
  version: number;
  document: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  publishedAt: string | null;
  stores: string[] | null;
}

/** Per store running a program: what it runs and how it goes there (the canary view). */
export interface StoreRollout {
  storeId: string;
  version: number;
  bundleVersion: number | null;
  kiosks: number;
  kiosksOnBundle: number;
  lastHour: { earns: number; redemptions: number; refusals: number };
  activeAlarms: number;
}

export class ProgramService implements RuleSource {
  private readonly parsed = new Map<number, RuleSet>();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly options: {
      defaults: DefaultProgramOptions;
      publish: (storeId: string, bundle: RulesBundle) => Promise<void>;
      /** writes what kiosks reported and the ledger does not have yet (the kiosk registry's) */
      beforeFleetRead?: () => Promise<void>;
      log: Logger;
    },
  ) {}

  /** Validates a document and stores it as the program's next draft version. */
  async put(id: string, body: unknown, actor: string): Promise<{ id: string; version: number }> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LedgerError('invalid_program', 'a program document is a JSON object; see docs/programs.md');
    const document = { ...(body as Record<string, unknown>) };
    if (document.id !== undefined && document.id !== id)
      throw new LedgerError('invalid_program', `the document's id ${JSON.stringify(document.id)} is not the id in the path (${id})`, [{ path: ['id'], message: 'must match the path' }]);
    document.id = id;
    // Names and texts of a program are printed on slips and shown on screens: no control
    // characters (ESC drives receipt printers).
    const controlled = stringsWithControlCharacters(document);
    if (controlled.length) {
      throw new LedgerError(
        'invalid_program',
        `control characters are not allowed in a program's texts: ${controlled.map((p) => p.join('.')).join(', ')}`,
        controlled.map((path) => ({ path, field: path.join('.'), message: 'control characters (NUL, ESC, line breaks …) are not allowed' })),
      );
    }
    const parsed = Program.safeParse(document);
    if (!parsed.success) throw documentRefusal('invalid_program', 'the program document', parsed.error.issues);
    return this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      await requireSegments(tx, parsed.data);
      const existing = (await tx.execute({ sql: 'SELECT kind FROM programs WHERE id = ?', args: [id] })).rows[0];
      if (existing && existing.kind !== null && existing.kind !== parsed.data.kind) {
        throw new LedgerError('invalid_program', `program ${id} is a ${String(existing.kind)} program; a new kind needs a new program id`, [
          { path: ['kind'], field: 'kind', message: 'cannot change' },
        ]);
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
    return { id, name: String(program.name), kind: program.kind === null ? null : String(program.kind), current, draft, stores: await this.rollout(id) };
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
   * Publishes a version of the program (the newest when `version` is absent) to `stores` (every
   * store when absent, and stores created later) and sends each store whose rules change a new
   * bundle. Stores not listed keep the version they run. Publishing an older version is a
   * rollback by program version: the stores get a new, higher bundle version with the old rules.
   * Publishing what the stores already run changes nothing and returns no bundles.
   */
  async publish(
    id: string,
    stores: string[] | undefined,
    actor: string,
    options: { version?: number } = {},
  ): Promise<{ id: string; version: number; bundles: Array<{ storeId: string; version: number }> }> {
    const result = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const latest = (await tx.execute({ sql: 'SELECT MAX(version) AS v FROM program_versions WHERE program_id = ?', args: [id] })).rows[0];
      if (!latest || latest.v === null) {
        const exists = (await tx.execute({ sql: 'SELECT 1 FROM programs WHERE id = ?', args: [id] })).rows.length;
        throw new LedgerError(exists ? 'nothing_to_publish' : 'program_not_found', exists ? `program ${id} has no document yet; PUT /programs/${id} first` : `no program ${id}`);
      }
      const version = options.version ?? Number(latest.v);
      if (version > Number(latest.v) || version < 1) throw new LedgerError('program_not_found', `program ${id} has no version ${version}`);
      const known = (await tx.execute('SELECT id FROM stores ORDER BY id')).rows.map((r) => String(r.id));
      const unknown = (stores ?? []).filter((s) => !known.includes(s));
      if (unknown.length) throw new LedgerError('store_not_found', `no such store: ${unknown.join(', ')}`, { unknown });
      const listed = stores ? [...new Set(stores)].sort() : null;
      const changed: string[] = [];
      for (const storeId of listed ?? known) {
        const running = (await storeAssignments(tx, storeId)).get(id);
        if (running !== version) changed.push(storeId);
      }
      const chainWide = listed === null && (await chainWideVersions(tx)).find((p) => p.programId === id)?.version !== version;
      if (changed.length === 0 && !chainWide) return { version, bundles: [] };
      await tx.execute({
        sql: 'UPDATE program_versions SET published_at = COALESCE(published_at, ?), published_by = COALESCE(published_by, ?), stores = ? WHERE program_id = ? AND version = ?',
        args: [at, actor, listed === null ? null : JSON.stringify(listed), id, version],
      });
      await recordPublication(tx, { programId: id, version }, listed, version === Number(latest.v) ? 'publish' : 'rollback', at, actor);
      const bundles: RulesBundle[] = [];
      for (const storeId of changed) {
        await assign(tx, storeId, id, version, at, actor);
        bundles.push(await buildBundle(tx, storeId, at));
      }
      return { version, bundles };
    });
    for (const bundle of result.bundles) await this.send(bundle);
    return { id, version: result.version, bundles: result.bundles.map((b) => ({ storeId: b.storeId, version: b.version })) };
  }

  /**
   * Puts a store back on earlier rules (see rollbackAssignments for what "earlier" means) with a
   * new, higher bundle version, so its kiosks accept it.
   */
  async rollback(storeId: string, target: RollbackTarget, actor: string): Promise<{ storeId: string; version: number; programs: Array<{ programId: string; version: number }> }> {
    const bundle = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      if (!(await tx.execute({ sql: 'SELECT 1 FROM stores WHERE id = ?', args: [storeId] })).rows.length) throw new LedgerError('store_not_found', `no store ${storeId}`);
      const wanted = await rollbackAssignments(tx, storeId, target);
      const current = await storeAssignments(tx, storeId);
      for (const programId of current.keys()) {
        if (!wanted.has(programId)) await tx.execute({ sql: 'DELETE FROM store_programs WHERE store_id = ? AND program_id = ?', args: [storeId, programId] });
      }
      for (const [programId, version] of wanted) {
        if (current.get(programId) === version) continue;
        await assign(tx, storeId, programId, version, at, actor);
        await recordPublication(tx, { programId, version }, [storeId], 'rollback', at, actor);
      }
      return buildBundle(tx, storeId, at);
    });
    await this.send(bundle);
    return { storeId, version: bundle.version, programs: bundle.programs.map((p) => ({ programId: String(p.document.id), version: p.version })) };
  }

  /** A new store gets the programs published chain-wide, each at its chain-wide version. */
  async publishStore(storeId: string): Promise<void> {
    const bundle = await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const chainWide = await chainWideVersions(tx);
      const current = await storeAssignments(tx, storeId);
      const missing = chainWide.filter((p) => !current.has(p.programId));
      if (missing.length === 0) return null;
      for (const p of missing) await assign(tx, storeId, p.programId, p.version, at, 'store-created');
      return buildBundle(tx, storeId, at);
    });
    if (bundle) await this.send(bundle);
  }

  /**
   * At start: a store whose newest bundle does not carry what store_programs says it runs (an
   * install upgraded from before staged rollout, or a crash between the two) gets a new bundle;
   * then every store's newest bundle is sent again (retained).
   */
  async republishAll(): Promise<void> {
    const stores = (await this.client.execute('SELECT DISTINCT store_id FROM store_programs UNION SELECT DISTINCT store_id FROM rule_bundles')).rows.map((r) => String(r.store_id));
    for (const storeId of stores) {
      const newest = await this.bundleFor(storeId);
      const wanted = await storeAssignments(this.client, storeId);
      if (newest && sameAssignments(bundlePrograms(newest), wanted)) {
        await this.send(newest);
        continue;
      }
      if (!newest && wanted.size === 0) continue;
      const rebuilt = await this.writer.run((tx) => buildBundle(tx, storeId, this.clock.now().toISOString()));
      this.options.log.info({ store: storeId, version: rebuilt.version }, "rules bundle rebuilt from the store's program versions");
      await this.send(rebuilt);
    }
  }

  /** Per store running the program: its version there, the store's bundle and how many kiosks run it. */
  async rollout(id: string): Promise<Array<StoreRollout>> {
    // What a canary is watched by: the last hour of the store's earns, redemptions and refused
    // kiosk requests, and its kiosks' active alarms.
    const since = new Date(this.clock.now().getTime() - 3_600_000).toISOString();
    await this.options.beforeFleetRead?.();
    const rows = (
      await this.client.execute({
        sql: `SELECT s.store_id, s.version,
                     (SELECT count(*) FROM transfers t WHERE t.at > ?2 AND t.kind = 'earn' AND json_extract(t.refs, '$.store') = s.store_id) AS earns,
                     (SELECT count(*) FROM transfers t WHERE t.at > ?2 AND t.kind = 'redeem' AND json_extract(t.refs, '$.store') = s.store_id) AS redemptions,
                     (SELECT count(*) FROM request_refusals r WHERE r.store_id = s.store_id AND r.at > ?2) AS refusals,
                     (SELECT count(*) FROM alarms a JOIN kiosks k ON k.id = a.kiosk_id WHERE k.store_id = s.store_id AND a.cleared_at IS NULL) AS alarms,
                     (SELECT MAX(version) FROM rule_bundles b WHERE b.store_id = s.store_id) AS bundle,
                     (SELECT count(*) FROM kiosks k WHERE k.store_id = s.store_id AND k.status = 'active') AS kiosks,
                     (SELECT count(*) FROM kiosks k WHERE k.store_id = s.store_id AND k.status = 'active'
                         AND json_extract(k.telemetry, '$.versions.rules') = (SELECT MAX(version) FROM rule_bundles b WHERE b.store_id = s.store_id)) AS running
                FROM store_programs s WHERE s.program_id = ?1 ORDER BY s.store_id`,
        args: [id, since],
      })
    ).rows;
    return rows.map((r) => ({
      storeId: String(r.store_id),
      version: Number(r.version),
      bundleVersion: r.bundle === null ? null : Number(r.bundle),
      kiosks: Number(r.kiosks),
      kiosksOnBundle: Number(r.running),
      lastHour: { earns: Number(r.earns), redemptions: Number(r.redemptions), refusals: Number(r.refusals) },
      activeAlarms: Number(r.alarms),
    }));
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

/** The paths of every string in a JSON value that holds a control character. */
function stringsWithControlCharacters(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return /\p{Cc}/u.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsWithControlCharacters(item, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsWithControlCharacters(item, [...path, key]));
  return [];
}

/** A promotion meant for a segment needs the segment defined first (docs/segments.md). */
async function requireSegments(tx: Transaction, program: Program): Promise<void> {
  if (program.kind !== 'points') return;
  const missing: Array<{ path: Array<string | number>; field: string; message: string }> = [];
  for (const [i, promotion] of program.promotions.entries()) {
    if (!promotion.segment) continue;
    if ((await tx.execute({ sql: 'SELECT 1 FROM segments WHERE id = ?', args: [promotion.segment] })).rows.length) continue;
    missing.push({ path: ['promotions', i, 'segment'], field: `promotions.${i}.segment`, message: `no segment ${promotion.segment}; define it first (PUT /segments/${promotion.segment})` });
  }
  if (missing.length) throw new LedgerError('invalid_program', `the program targets segments that do not exist: ${missing.map((m) => m.message).join('; ')}`, missing);
}
