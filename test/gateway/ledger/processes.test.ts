/**
 * Crash consistency and multi-process writing on the real ledger file (docs/ledger.md). A child
 * process drives concurrent earns and redemptions; these tests kill it with SIGKILL at random
 * moments, or run two at once, then check every acknowledged operation and the invariants.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient as Client } from '@loyalty/gateway';
import { Directory, GroupCommitWriter, openDatabase } from '@loyalty/gateway';
import { cardNumberFor } from '@loyalty/protocol';
import { verifyLedger } from '../../../gateway/src/ledger/verify.js';
import { tempDir } from '../../support/system.js';

const WORKER = fileURLToPath(new URL('../../support/ledger-worker.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../gateway/dist/index.js', import.meta.url));

interface Line {
  kind?: 'earn' | 'redeem';
  opId?: string;
  card?: string;
  points?: number;
  amount?: number;
  receiptId?: string;
  status?: string;
  code?: string;
  replay?: boolean;
  ready?: boolean;
  message?: string;
}

function runWorker(dbPath: string, workerId: string, ops: number, cards: string[], options: { killAfterMs?: number; replayFile?: string } = {}) {
  const child = spawn(process.execPath, [WORKER, dbPath, workerId, String(ops), cards.join(','), ...(options.replayFile ? [options.replayFile] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as Line);
    // Kill only once new work is flowing, at a random moment after it started.
    if (options.killAfterMs !== undefined && lines.at(-1)!.ready) setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  });
  return new Promise<{ lines: Line[]; code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => setImmediate(() => resolve({ lines, code, signal, stderr }))),
  );
}

async function seedCards(dbPath: string, count: number): Promise<string[]> {
  const client = await openDatabase({ url: `file:${dbPath}`, busyTimeoutMs: 5000 });
  const writer = new GroupCommitWriter(client);
  const clock = { now: () => new Date() };
  const directory = new Directory(client, writer, clock);
  await directory.ensureStore({ id: 's1', name: 'S' });
  await directory.ensureProgram({ id: 'p', name: 'P' });
  const cards: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const number = cardNumberFor(2000 + i);
    await directory.issueCard({ number, programId: 'p', customerId: await directory.createCustomer({ name: `C ${i}` }) });
    cards.push(number);
  }
  await writer.close();
  client.close();
  return cards;
}

async function openForChecks(dbPath: string): Promise<Client> {
  return openDatabase({ url: `file:${dbPath}`, busyTimeoutMs: 5000 });
}

describe('ledger under crashes and concurrent processes (real libSQL file, child processes)', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error('these tests run the built gateway: run `npm run build` first (npm test does)');
  });

  const dir = tempDir('ledger-proc');
  afterAll(() => dir.remove());

  it('keeps every acknowledged operation exactly once and verify green across 30 SIGKILLs', async () => {
    const db = `${dir.path}/crash.db`;
    const cards = await seedCards(db, 4);
    const acknowledged = new Map<string, Line>();
    let previous: Line[] = [];
    for (let round = 0; round < 30; round += 1) {
      const replayFile = `${dir.path}/replay-${round}.json`;
      writeFileSync(replayFile, JSON.stringify(previous));
      const run = await runWorker(db, `w${round}`, 0, cards, { killAfterMs: 20 + Math.floor(Math.random() * 180), replayFile });
      expect(run.signal, `round ${round}: ${run.stderr}`).toBe('SIGKILL');
      const errors = run.lines.filter((l) => l.status === 'error');
      expect(errors, 'no operation failed with an unexpected error').toEqual([]);
      // Replays of what the previous run acknowledged: a success comes back as `exists`; a refusal
      // was not claimed (kiosk op ids), so it is decided again and may now succeed.
      for (const line of run.lines.filter((l) => l.replay)) {
        const first = acknowledged.get(line.opId!)!;
        if (first.status === 'created') expect(line.status, `replay of ${line.opId}`).toBe('exists');
        else expect(['refused', 'created'], `replay of ${line.opId}`).toContain(line.status);
        if (line.status === 'created') acknowledged.set(line.opId!, line);
      }
      const fresh = run.lines.filter((l) => l.opId && !l.replay);
      for (const line of fresh) acknowledged.set(line.opId!, line);
      previous = fresh;

      const client = await openForChecks(db);
      try {
        const report = await verifyLedger(client);
        expect(report.violations, `round ${round}`).toEqual([]);
        const succeeded = fresh.filter((l) => l.status === 'created').map((l) => l.opId!);
        if (succeeded.length) {
          const rows = (await client.execute({ sql: `SELECT op_id FROM ops WHERE op_id IN (${succeeded.map(() => '?').join(',')})`, args: succeeded })).rows;
          expect(rows.length, `round ${round}: every acknowledged operation is in the ledger`).toBe(succeeded.length);
          const transfers = (await client.execute({ sql: `SELECT count(*) AS n FROM transfers WHERE id IN (${succeeded.map(() => '?').join(',')})`, args: succeeded })).rows[0]!.n;
          const withPoints = fresh.filter((l) => l.status === 'created' && (l.kind === 'redeem' || (l.points ?? 0) > 0)).length;
          expect(Number(transfers)).toBe(withPoints);
        }
      } finally {
        client.close();
      }
    }
    expect([...acknowledged.values()].filter((l) => l.status === 'created').length).toBeGreaterThan(100);
  }, 120_000);

  it('lets two processes write the same ledger file at once without lost updates or SQLITE_BUSY', async () => {
    const db = `${dir.path}/two.db`;
    const cards = await seedCards(db, 2);
    const [a, b] = await Promise.all([runWorker(db, 'A', 300, cards), runWorker(db, 'B', 300, cards)]);
    for (const run of [a, b]) {
      expect(run.code, run.stderr).toBe(0);
      expect(
        run.lines.filter((l) => l.status === 'error'),
        'no SQLITE_BUSY or other failure reached a caller',
      ).toEqual([]);
      expect(run.lines.filter((l) => l.opId).length).toBe(300);
    }
    const lines = [...a.lines, ...b.lines];
    const client = await openForChecks(db);
    try {
      for (const card of cards) {
        const earned = lines.filter((l) => l.card === card && l.kind === 'earn' && l.status === 'created').reduce((s, l) => s + (l.points ?? 0), 0);
        const spent = lines.filter((l) => l.card === card && l.kind === 'redeem' && l.status === 'created').reduce((s, l) => s + (l.points ?? 0), 0);
        const row = (await client.execute({ sql: 'SELECT a.balance FROM cards c JOIN accounts a ON a.id = c.account_id WHERE c.number = ?', args: [card] })).rows[0]!;
        expect(Number(row.balance), `balance of ${card}`).toBe(earned - spent);
      }
      expect((await verifyLedger(client)).violations).toEqual([]);
    } finally {
      client.close();
    }
  }, 60_000);
});
