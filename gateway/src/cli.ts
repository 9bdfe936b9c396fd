#!/usr/bin/env node
/**
 * Operator commands against the gateway's ledger, using the gateway's own config (file + env):
 *   npm run ledger -- verify             invariants and hash chain; exit 1 on any violation
 *   npm run ledger -- expire             move expired lots to `expired` now
 *   npm run ledger -- backup DIR         a verified copy of the ledger and the gateway's keys, while it runs
 *   npm run ledger -- restore DIR        put a backup back (the gateway stopped)
 *   npm run admin -- token create --role admin --label "ops laptop"
 *   npm run admin -- report liability | report daily --date 2026-11-29 [--store ID]
 * Safe while the gateway runs: writes wait for the ledger's lock (busy timeout).
 */
import { readFileSync } from 'node:fs';
import { Program } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { LedgerError } from './ledger/errors.js';
import { ProgramService } from './programs/program-service.js';
import { parseArgs } from 'node:util';
import { ConfigError, ledgerUrlOf, loadGatewayConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { GroupCommitWriter } from './db/writer.js';
import { ApiTokens, ROLES, type Role } from './http/api-tokens.js';
import { Ledger } from './ledger/ledger.js';
import { systemClock } from './clock.js';
import { Directory } from './ledger/directory.js';
import { formatReport, verifyLedger } from './ledger/verify.js';
import { promoteGatewayKey, retireGatewayKey, rotateGatewayKey } from './fleet/gateway-keys.js';
import { RELEASE_USAGE, releaseCommand } from './admin/release-cli.js';
import { BackupError, backupLedger, restoreLedger } from './admin/backup.js';
import { dailyReport, liabilityReport } from './reports/reports.js';
import { dailyTable, liabilityTable } from './reports/tables.js';

const USAGE = `usage:
  npm run ledger -- verify [--json] [--config FILE]
  npm run ledger -- expire [--config FILE]
  npm run ledger -- backup DIR [--config FILE]    a verified copy of the ledger and the gateway's keys (safe while it runs)
  npm run ledger -- restore DIR [--config FILE]   put a backup back into the data dir (stop the gateway first)
  npm run admin -- token create --role admin|pos|viewer [--label TEXT] [--config FILE]
  npm run admin -- token revoke TOKEN_ID [--config FILE]
  npm run admin -- program check FILE          validate a program document (docs/programs.md); exit 1 naming each bad field
  npm run admin -- program put ID FILE         store it as the program's next draft version (publish with POST /programs/ID/publish)
  npm run admin -- program create ID NAME      an id without a document yet, for issuing cards first
  npm run admin -- report liability [--json]    what the program owes now (docs/audit-and-reports.md)
  npm run admin -- report daily --date YYYY-MM-DD [--store ID] [--json]   a store-local day per store and kiosk
  npm run admin -- gateway-key rotate|promote|retire [--config FILE]   (each takes effect at the next gateway start)
${RELEASE_USAGE}`;

const OPTIONS = {
  role: { type: 'string' },
  label: { type: 'string', default: 'created with the admin CLI' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  key: { type: 'string' },
  version: { type: 'string' },
  out: { type: 'string' },
  gateway: { type: 'string' },
  date: { type: 'string' },
  store: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // A mistyped option gets the usage, not a stack trace.
    process.stderr.write(`loyalty-admin: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = positionals.join(' ');
  if (positionals[0] === 'release') {
    const code = await releaseCommand(positionals[1], positionals[2], { ...values, token: process.env.LOYALTY_ADMIN_TOKEN }, (text) => process.stdout.write(text));
    if (code === 2) process.stderr.write(`${USAGE}\n`);
    return code;
  }
  if (command.startsWith('gateway-key ')) {
    const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
    const step = positionals[1];
    if (step === 'rotate')
      process.stdout.write(`next gateway key ${rotateGatewayKey(config.dataDir, config.instanceId)} will be announced to kiosks from the next start; promote it once they have it\n`);
    else if (step === 'promote') process.stdout.write(`the gateway signs with ${promoteGatewayKey(config.dataDir, config.instanceId)} from the next start; the old key stays announced until retire\n`);
    else if (step === 'retire') process.stdout.write(retireGatewayKey(config.dataDir, config.instanceId) ? 'the old key is no longer announced from the next start\n' : 'no previous key to retire\n');
    else {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return 0;
  }
  if (positionals[0] === 'program' && positionals[1] === 'check' && positionals[2]) return checkProgramFile(positionals[2]);
  if (positionals[0] === 'report') return reportCommand(positionals[1], values);
  if ((positionals[0] === 'backup' || positionals[0] === 'restore') && positionals.length === 2) return backupCommand(positionals[0], positionals[1]!, values.config);
  const programCreate = positionals[0] === 'program' && ((positionals[1] === 'create' && positionals[2] && positionals[3]) || (positionals[1] === 'put' && positionals[2] && positionals[3]));
  if (!['verify', 'expire', 'token create'].includes(command) && !(positionals[0] === 'token' && positionals[1] === 'revoke' && positionals[2]) && !programCreate) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'token create' && !(ROLES as readonly string[]).includes(values.role ?? '')) {
    process.stderr.write(`--role must be one of ${ROLES.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  const url = ledgerUrlOf(config);
  const client = await openDatabase({ url, authToken: config.ledgerAuthToken, busyTimeoutMs: config.ledgerBusyTimeoutMs });
  const writer = new GroupCommitWriter(client);
  try {
    switch (command) {
      case 'verify': {
        const report = await verifyLedger(client);
        process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
        return report.ok ? 0 : 1;
      }
      case 'expire': {
        const ledger = new Ledger(client, writer, { demoPointsPerUnit: config.demoPointsPerUnit, ...config.ledger });
        const done = await ledger.expire();
        process.stdout.write(`expired ${done.points} points in ${done.lots} lots\n`);
        return 0;
      }
      case `program create ${positionals.slice(2).join(' ')}`: {
        await new Directory(client, writer, systemClock).ensureProgram({ id: positionals[2]!, name: positionals.slice(3).join(' ') });
        process.stdout.write(`program ${positionals[2]} exists; cards can be issued for it\n`);
        return 0;
      }
      case `program put ${positionals[2]} ${positionals[3]}`: {
        const document = readProgramFile(positionals[3]!);
        if (document === null) return 1;
        const programs = new ProgramService(client, writer, systemClock, {
          defaults: { pointsPerUnit: config.demoPointsPerUnit, expiryDays: config.ledger.pointsExpiryDays, pointValueMinor: config.ledger.pointValueMinor },
          publish: async () => {},
          log: createLogger({ level: 'warn', name: 'admin' }),
        });
        try {
          const { version } = await programs.put(positionals[2]!, document, 'admin-cli');
          process.stdout.write(`program ${positionals[2]} version ${version} stored as a draft; publish it with POST /api/v1/programs/${positionals[2]}/publish\n`);
          return 0;
        } catch (error) {
          if (!(error instanceof LedgerError)) throw error;
          process.stderr.write(`${error.message}\n`);
          return 1;
        }
      }
      case `token revoke ${positionals[2]}`: {
        const done = await new ApiTokens(client, writer, systemClock).revoke(positionals[2]!);
        process.stdout.write(done ? `token ${positionals[2]} revoked\n` : `no active token ${positionals[2]}\n`);
        return done ? 0 : 1;
      }
      default: {
        const { id, token } = await new ApiTokens(client, writer, systemClock).create(values.role as Role, values.label);
        process.stderr.write(`created ${values.role} token ${id}; it is shown once, store it now:\n`);
        process.stdout.write(`${token}\n`);
        return 0;
      }
    }
  } finally {
    await writer.close();
    client.close();
  }
}

async function reportCommand(which: string | undefined, values: { date?: string; store?: string; json?: boolean; config?: string }): Promise<number> {
  if (which !== 'liability' && which !== 'daily') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (which === 'daily' && !/^\d{4}-\d{2}-\d{2}$/.test(values.date ?? '')) {
    process.stderr.write(`report daily needs --date YYYY-MM-DD (the store-local day)\n${USAGE}\n`);
    return 2;
  }
  const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  const client = await openDatabase({ url: ledgerUrlOf(config), authToken: config.ledgerAuthToken, busyTimeoutMs: config.ledgerBusyTimeoutMs });
  try {
    if (which === 'liability') {
      const report = await liabilityReport(client, systemClock.now());
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : liabilityTable(report));
    } else {
      const report = await dailyReport(client, { date: values.date!, ...(values.store ? { storeId: values.store } : {}) });
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : dailyTable(report));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function readProgramFile(path: string): unknown | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    process.stderr.write(`cannot read ${path} as JSON: ${(error as Error).message}\n`);
    return null;
  }
}

function checkProgramFile(path: string): number {
  const document = readProgramFile(path);
  if (document === null) return 1;
  const parsed = Program.safeParse(document);
  if (parsed.success) {
    process.stdout.write(`${path}: a valid ${parsed.data.kind} program (${parsed.data.id})\n`);
    return 0;
  }
  for (const issue of parsed.error.issues) process.stderr.write(`${path}: ${issue.path.join('.') || '(document)'}: ${issue.message}\n`);
  return 1;
}

async function backupCommand(step: 'backup' | 'restore', dir: string, configFile: string | undefined): Promise<number> {
  const config = loadGatewayConfig(process.env, configFile ?? process.env.LOYALTY_GW_CONFIG);
  const where = { dataDir: config.dataDir, instanceId: config.instanceId, ledgerUrl: ledgerUrlOf(config), busyTimeoutMs: config.ledgerBusyTimeoutMs };
  try {
    if (step === 'backup') {
      const done = await backupLedger(where, dir);
      process.stdout.write(`backup in ${done.dir}: ${done.files.join(', ')} (ledger ${done.bytes} bytes, verified: ${done.report.transfers} transfers, hash chain intact)\n`);
    } else {
      const done = await restoreLedger(where, dir);
      if (done.setAside) process.stdout.write(`the previous ledger was moved to ${done.setAside}\n`);
      process.stdout.write(
        `restored ${done.files.join(', ')} into ${config.dataDir} (verified: ${done.report.transfers} transfers); the gateway's sequence continues from ${done.sequenceFrom}. Start the gateway.\n`,
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    process.stderr.write(`loyalty-ledger: ${error.message}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`loyalty-ledger: ${error instanceof ConfigError ? error.message : `${error.message}`}\n`);
    process.exit(1);
  },
);
