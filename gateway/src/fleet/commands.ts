/**
 * Commands to kiosks (docs/fleet.md "Commands"): an operator's request, kept in the ledger
 * database so it survives a gateway restart, sent signed on the kiosk's `cmd` topic while the
 * kiosk is online and again each time it comes back, until it ends or its time runs out.
 *
 *   queued ──kiosk: delivered──▶ delivered ──kiosk──▶ succeeded | failed | rejected
 *      └────────────── expiresAt passed, no final answer ──────────▶ expired
 *
 * The kiosk runs a command once, by its id, and answers a repeat with the outcome it recorded.
 */
import { randomUUID } from 'node:crypto';
import { COMMAND_ARGS, FINAL_COMMAND_STATES, isCommandType, type Ack, type Command, type CommandState } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { Clock } from '../clock.js';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import type { KioskRegistry } from './kiosk-registry.js';

export interface CommandView {
  commandId: string;
  kioskId: string;
  type: string;
  args: Record<string, unknown>;
  state: CommandState;
  result: unknown;
  error: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
}

const ORDER: Record<CommandState, number> = { queued: 0, delivered: 1, succeeded: 2, failed: 2, expired: 2, rejected: 2 };

export class CommandService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly registry: KioskRegistry,
    private readonly clock: Clock,
    private readonly options: { send: (kioskId: string, command: Command) => Promise<void>; log: Logger; maxTtlSeconds?: number },
  ) {}

  /** Queues a command for a kiosk and sends it at once when the kiosk is online. */
  async create(kioskId: string, input: { type: string; args?: Record<string, unknown>; ttlSeconds?: number }, actor: string): Promise<CommandView> {
    const kiosk = this.registry.get(kioskId);
    if (!kiosk) throw new LedgerError('kiosk_not_found', `no kiosk ${kioskId}`);
    if (kiosk.status !== 'active') throw new LedgerError('kiosk_revoked', `kiosk ${kioskId} is revoked: it takes no commands; pair it again (POST /api/v1/enrollments) to use it`);
    if (!isCommandType(input.type)) throw new LedgerError('invalid_request', `unknown command type ${input.type}; one of ${Object.keys(COMMAND_ARGS).join(', ')}`);
    const args = COMMAND_ARGS[input.type].safeParse(input.args ?? {});
    if (!args.success) throw new LedgerError('invalid_request', `the arguments of ${input.type} are not valid`, args.error.issues);
    const ttlSeconds = input.ttlSeconds ?? 3600;
    const now = this.clock.now();
    const at = now.toISOString();
    const command: CommandView = {
      commandId: randomUUID(),
      kioskId,
      type: input.type,
      args: args.data,
      state: 'queued',
      result: null,
      error: null,
      createdBy: actor,
      createdAt: at,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      updatedAt: at,
    };
    await this.writer.run((tx) =>
      tx.execute({
        sql: `INSERT INTO kiosk_commands (id, kiosk_id, type, args, state, created_by, created_at, expires_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
        args: [command.commandId, kioskId, command.type, JSON.stringify(command.args), actor, at, command.expiresAt, at],
      }),
    );
    await this.send(command);
    return command;
  }

  async get(kioskId: string, commandId: string): Promise<CommandView> {
    const row = (await this.client.execute({ sql: 'SELECT * FROM kiosk_commands WHERE id = ? AND kiosk_id = ?', args: [commandId, kioskId] })).rows[0];
    if (!row) throw new LedgerError('command_not_found', `no command ${commandId} for kiosk ${kioskId}`);
    return view(row);
  }

  async list(kioskId: string, limit = 50): Promise<CommandView[]> {
    return (await this.client.execute({ sql: 'SELECT * FROM kiosk_commands WHERE kiosk_id = ? ORDER BY created_at DESC LIMIT ?', args: [kioskId, limit] })).rows.map(view);
  }

  /** A kiosk's acknowledgement: moves the command forward, never back; a final state stays. */
  async onAck(kioskId: string, ack: Ack): Promise<void> {
    const at = this.clock.now().toISOString();
    const changed = await this.writer.run(async (tx) => {
      const row = (await tx.execute({ sql: 'SELECT state FROM kiosk_commands WHERE id = ? AND kiosk_id = ?', args: [ack.commandId, kioskId] })).rows[0];
      if (!row) return 'unknown' as const;
      const state = String(row.state) as CommandState;
      if (FINAL_COMMAND_STATES.has(state) || ORDER[ack.state] <= ORDER[state]) return 'stale' as const;
      await tx.execute({
        sql: 'UPDATE kiosk_commands SET state = ?, result = ?, error = ?, updated_at = ? WHERE id = ?',
        args: [ack.state, ack.result === undefined ? null : JSON.stringify(ack.result), ack.error ?? null, at, ack.commandId],
      });
      return 'changed' as const;
    });
    if (changed === 'unknown') this.options.log.warn({ kiosk: kioskId, command: ack.commandId }, 'ack for a command this kiosk was not sent');
    else if (changed === 'changed') this.options.log.info({ kiosk: kioskId, command: ack.commandId, state: ack.state }, 'command state');
  }

  /** The kiosk is back: everything not yet ended and not expired goes out again. */
  async onKioskOnline(kioskId: string): Promise<number> {
    const open = (
      await this.client.execute({
        sql: "SELECT * FROM kiosk_commands WHERE kiosk_id = ? AND state IN ('queued', 'delivered') AND expires_at > ? ORDER BY created_at",
        args: [kioskId, this.clock.now().toISOString()],
      })
    ).rows.map(view);
    for (const command of open) await this.send(command);
    return open.length;
  }

  /** Commands whose time ran out before they ended (maintenance). */
  async expire(): Promise<number> {
    const at = this.clock.now().toISOString();
    return this.writer.run(
      async (tx) =>
        (
          await tx.execute({
            sql: `UPDATE kiosk_commands SET state = 'expired', error = CASE state WHEN 'queued' THEN 'the kiosk was not reached before the command expired' ELSE 'the kiosk did not finish before the command expired' END, updated_at = ?
                   WHERE state IN ('queued', 'delivered') AND expires_at <= ?`,
            args: [at, at],
          })
        ).rowsAffected,
    );
  }

  private async send(command: CommandView): Promise<void> {
    try {
      await this.options.send(command.kioskId, { commandId: command.commandId, type: command.type, args: command.args, expiresAt: command.expiresAt });
    } catch (error) {
      // It stays queued: the kiosk gets it when it next comes online.
      this.options.log.warn({ err: (error as Error).message, kiosk: command.kioskId, command: command.commandId }, 'command not sent now; it goes out when the kiosk is back');
    }
  }
}

function view(row: Record<string, unknown>): CommandView {
  return {
    commandId: String(row.id),
    kioskId: String(row.kiosk_id),
    type: String(row.type),
    args: JSON.parse(String(row.args)) as Record<string, unknown>,
    state: String(row.state) as CommandState,
    result: row.result === null ? null : (JSON.parse(String(row.result)) as unknown),
    error: row.error === null ? null : String(row.error),
    createdBy: String(row.created_by),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    updatedAt: String(row.updated_at),
  };
}
