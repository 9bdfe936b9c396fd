#!/usr/bin/env node
/**
 * Operator commands against the gateway's ledger, using the gateway's own config (file + env):
 *   npm run ledger -- verify             invariants and hash chain; exit 1 on any violation
 *   npm run ledger -- expire             move expired lots to `expired` now
 *   npm run admin -- token create --role admin --label "ops laptop"
 * Safe while the gateway runs: writes wait for the ledger's lock (busy timeout).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadGatewayConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { GroupCommitWriter } from './db/writer.js';
import { ApiTokens, ROLES, type Role } from './http/api-tokens.js';
import { Ledger, systemClock } from './ledger/ledger.js';
import { Directory } from './ledger/directory.js';
import { formatReport, verifyLedger } from './ledger/verify.js';
import { promoteGatewayKey, retireGatewayKey, rotateGatewayKey } from './fleet/gateway-keys.js';

const USAGE = `usage:
  npm run ledger -- verify [--json] [--config FILE]
  npm run ledger -- expire [--config FILE]
  npm run admin -- token create --role admin|pos|viewer [--label TEXT] [--config FILE]
  npm run admin -- token revoke TOKEN_ID [--config FILE]
  npm run admin -- program create ID NAME      (interim, until program documents: PUT /programs)
  npm run admin -- gateway-key rotate|promote|retire [--config FILE]   (each takes effect at the next gateway start)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      label: { type: 'string', default: 'created with the admin CLI' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const command = positionals.join(' ');
  if (command.startsWith('gateway-key ')) {
    const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
    const step = positionals[1];
    if (step === 'rotate') process.stdout.write(`next gateway key ${rotateGatewayKey(config.dataDir, config.instanceId)} will be announced to kiosks from the next start; promote it once they have it\n`);
    else if (step === 'promote') process.stdout.write(`the gateway signs with ${promoteGatewayKey(config.dataDir, config.instanceId)} from the next start; the old key stays announced until retire\n`);
    else if (step === 'retire') process.stdout.write(retireGatewayKey(config.dataDir, config.instanceId) ? 'the old key is no longer announced from the next start\n' : 'no previous key to retire\n');
    else {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return 0;
  }
  const programCreate = positionals[0] === 'program' && positionals[1] === 'create' && positionals[2] && positionals[3];
  if (!['verify', 'expire', 'token create'].includes(command) && !(positionals[0] === 'token' && positionals[1] === 'revoke' && positionals[2]) && !programCreate) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'token create' && !(ROLES as readonly string[]).includes(values.role ?? '')) {
    process.stderr.write(`--role must be one of ${ROLES.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  const url = config.ledgerUrl ?? `file:${resolve(config.dataDir, 'gateway.db')}`;
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

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`loyalty-ledger: ${error instanceof ConfigError ? error.message : `${error.message}`}\n`);
    process.exit(1);
  },
);
