/**
 * Backup and restore of a gateway's file ledger and identity (docs/operator-guide.md "Backup and
 * restore"):
 *   npm run ledger -- backup DIR     while the gateway runs: a consistent copy, verified
 *   npm run ledger -- restore DIR    with the gateway stopped: the copy back into the data dir
 *
 * The ledger is copied with `VACUUM INTO`, SQLite's online copy: it reads one snapshot inside a
 * read transaction, so writers carry on (WAL) and the copy holds every commit up to that instant
 * and none after. The gateway's signing keys and its sequence file go with it: kiosks trust the
 * keys, and refuse a sequence number they have seen.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileDurably } from '@loyalty/protocol/node';
import { localFilePath, openSqlClient } from '../db/sql.js';
import { verifyLedger, type VerifyReport } from '../ledger/verify.js';

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** The ledger's name inside a backup folder. */
const LEDGER_FILE = 'gateway.db';

/** The identity files of one gateway instance (fleet/gateway-keys.ts and its sequence file). */
function identityFiles(instanceId: string): string[] {
  return [`${instanceId}.key`, `${instanceId}.next.key`, `${instanceId}.previous.key`, `${instanceId}.keyset.json`, `${instanceId}.seq`];
}

export interface BackupResult {
  dir: string;
  bytes: number;
  files: string[];
  report: VerifyReport;
}

/** `ledgerUrl`: where the gateway's ledger is (config.ts ledgerUrlOf). */
export async function backupLedger(options: { dataDir: string; instanceId: string; ledgerUrl: string; busyTimeoutMs: number }, target: string): Promise<BackupResult> {
  const source = localFilePath(options.ledgerUrl);
  if (source === null) throw new BackupError(`the ledger is a libSQL server (${new URL(options.ledgerUrl).host}); back it up with the server's own tools`);
  if (!existsSync(source)) throw new BackupError(`no ledger at ${source}: is the data dir (LOYALTY_GW_DATA_DIR or --config) the gateway's?`);
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new BackupError(`${dir} is not empty; back up into a new folder`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);

  const partial = join(dir, `${LEDGER_FILE}.partial`);
  const live = openSqlClient({ url: `file:${source}`, busyTimeoutMs: options.busyTimeoutMs });
  try {
    await live.execute({ sql: 'VACUUM INTO ?', args: [partial] });
  } finally {
    live.close();
  }
  chmodSync(partial, 0o600);
  // Checked before it counts as a backup: a copy nobody can restore is worse than none.
  const report = await checkLedgerFile(partial);
  if (!report.ok) throw new BackupError(`the copy does not verify (${report.violations.length} violations); the ledger itself may be damaged: run npm run ledger -- verify`);
  renameSync(partial, join(dir, LEDGER_FILE));

  const files = [LEDGER_FILE];
  for (const name of identityFiles(options.instanceId)) {
    const from = join(options.dataDir, name);
    if (!existsSync(from)) continue;
    copyFileSync(from, join(dir, name));
    chmodSync(join(dir, name), 0o600);
    files.push(name);
  }
  return { dir, bytes: statSync(join(dir, LEDGER_FILE)).size, files, report };
}

export interface RestoreResult {
  files: string[];
  /** where the data dir's previous ledger was moved, if there was one */
  setAside: string | null;
  sequenceFrom: number;
  report: VerifyReport;
}

/**
 * Puts a backup back into the data dir. Refuses while any process has the ledger open (the
 * gateway must be stopped). The ledger found there is moved aside, never deleted. The sequence
 * is moved ahead of anything the gateway can have used since the backup (unix time in µs), so
 * kiosks accept its messages at once.
 */
export async function restoreLedger(options: { dataDir: string; instanceId: string; ledgerUrl: string }, backupDir: string, now = new Date()): Promise<RestoreResult> {
  const target = localFilePath(options.ledgerUrl);
  if (target === null) throw new BackupError("the ledger is a libSQL server; restore it with the server's own tools");
  const from = resolve(backupDir);
  const backupLedgerFile = join(from, LEDGER_FILE);
  if (!existsSync(backupLedgerFile)) throw new BackupError(`${from} holds no ${LEDGER_FILE}; is it a backup made with npm run ledger -- backup?`);
  const report = await checkLedgerFile(backupLedgerFile);
  if (!report.ok) throw new BackupError(`the backup does not verify (${report.violations.length} violations); restore another one`);

  const holder = processHolding(target);
  if (holder !== null) throw new BackupError(`the ledger ${target} is open in process ${holder}: stop the gateway (systemctl stop loyalty-gateway) first`);

  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const asideSuffix = `.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
  let setAside: string | null = null;
  if (existsSync(target)) {
    setAside = `${target}${asideSuffix}`;
    renameSync(target, setAside);
    for (const suffix of ['-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, setAside + suffix);
  }
  copyFileSync(backupLedgerFile, target);
  chmodSync(target, 0o600);

  const files = [basename(target)];
  for (const name of identityFiles(options.instanceId)) {
    const here = join(options.dataDir, name);
    if (!existsSync(join(from, name))) {
      // A key the backup does not know (a rotation begun since) would be announced beside the
      // restored key set: it goes aside with the old ledger, never deleted.
      if (existsSync(here) && !name.endsWith('.seq')) renameSync(here, `${here}${asideSuffix}`);
      continue;
    }
    copyFileSync(join(from, name), here);
    chmodSync(here, 0o600);
    files.push(name);
  }
  // Skip ahead (docs/security.md "Replay"): numbers handed out after the backup must not be reused.
  const sequenceFile = join(options.dataDir, `${options.instanceId}.seq`);
  const stored = existsSync(sequenceFile) ? Number(readFileSync(sequenceFile, 'utf8').trim()) || 0 : 0;
  const sequenceFrom = Math.max(stored, now.getTime() * 1000);
  writeFileDurably(sequenceFile, String(sequenceFrom));
  return { files, setAside, sequenceFrom, report };
}

async function checkLedgerFile(path: string): Promise<VerifyReport> {
  const client = openSqlClient({ url: `file:${path}`, busyTimeoutMs: 1000 });
  try {
    const integrity = (await client.execute('PRAGMA integrity_check')).rows.map((row) => String(Object.values(row)[0]));
    if (integrity.join() !== 'ok') throw new BackupError(`${path} is damaged: ${integrity.slice(0, 3).join('; ')}`);
    return await verifyLedger(client);
  } finally {
    client.close();
  }
}

/** The pid of a process that has `path` open, from /proc (Linux), or null. */
function processHolding(path: string): number | null {
  if (!existsSync('/proc/self/fd')) return null;
  const wanted = new Set([path, `${path}-wal`, `${path}-shm`].map((p) => resolve(p)));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}
