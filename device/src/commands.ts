/**
 * Fleet commands on the kiosk (docs/fleet.md "Commands"). A command arrives signed on the
 * kiosk's `cmd` topic (the link verified it). It runs at most once, by its id: before it runs,
 * the kiosk records it durably; after, it records the outcome. A repeat — the gateway sends
 * unfinished commands again each time the kiosk comes online — is answered with the recorded
 * outcome; one that was running when the agent stopped is answered `failed` rather than run
 * again. Commands run one at a time. Every step is acknowledged on the `ack` topic.
 *
 * A handler may return DEFERRED: its outcome is known only after the agent restarts (an agent
 * update is judged by whether the new version comes up healthy). The record stays `deferred`
 * across the restart, a repeat is answered `delivered`, and whoever learns the outcome calls
 * complete().
 */
import { existsSync, readFileSync } from 'node:fs';
import { COMMAND_ARGS, isCommandType, type Ack, type Command, type CommandState, type CommandType } from '@loyalty/protocol';
import { withTimeout, writeFileDurably, type Logger } from '@loyalty/protocol/node';
import type { z } from 'zod';
import type { KioskLink } from './ports/kiosk-link.js';

export type CommandHandlers = { [K in CommandType]: (args: z.output<(typeof COMMAND_ARGS)[K]>, command: { commandId: string }) => Promise<unknown> };

type Outcome = Exclude<CommandState, 'queued' | 'delivered'>;

/** What a handler returns when the command's outcome is decided after a restart. */
export const DEFERRED: unique symbol = Symbol('deferred');

/** What the kiosk remembers of a command: running, waiting for a restart's verdict, or how it ended. */
interface Entry {
  state: Outcome | 'running' | 'deferred';
  result?: unknown;
  error?: string;
}

export interface CommandRunnerOptions {
  /** where outcomes are kept (`commands.json` in the state dir, 0600) */
  path: string;
  link: KioskLink;
  handlers: CommandHandlers;
  log: Logger;
  clock?: { now(): number };
  /** how many outcomes are remembered (oldest forgotten first) */
  remember?: number;
  timeoutMs?: number;
  /** longer limits for the types that need them (an agent update downloads a release) */
  timeouts?: Partial<Record<CommandType, number>>;
}

export class CommandRunner {
  private readonly records = new Map<string, Entry>();
  private queue: Promise<void> = Promise.resolve();
  private readonly onCommand = (command: Command) => {
    this.queue = this.queue.then(() => this.handle(command)).catch((error: Error) => this.options.log.error({ err: error.message }, 'command handling failed'));
  };

  constructor(private readonly options: CommandRunnerOptions) {}

  start(): void {
    if (existsSync(this.options.path)) {
      try {
        for (const [id, record] of Object.entries(JSON.parse(readFileSync(this.options.path, 'utf8')) as { [id: string]: Entry })) this.records.set(id, record);
      } catch (error) {
        this.options.log.warn({ err: (error as Error).message }, 'the command record is unreadable; starting a new one');
      }
    }
    this.options.link.on('command', this.onCommand);
  }

  async stop(): Promise<void> {
    this.options.link.off('command', this.onCommand);
    await this.queue;
  }

  /** Ends a DEFERRED command with the outcome a later start learned; false when it is not waiting. */
  complete(commandId: string, outcome: { state: Outcome; result?: unknown; error?: string }): Promise<boolean> {
    const done = this.queue.then(async () => {
      if (this.records.get(commandId)?.state !== 'deferred') return false;
      await this.finish(commandId, outcome);
      return true;
    });
    this.queue = done.then(() => undefined).catch(() => undefined);
    return done;
  }

  /** Resolves when every command received so far has been handled (tests). */
  settled(): Promise<void> {
    return this.queue;
  }

  private async handle(command: Command): Promise<void> {
    const { log } = this.options;
    const seen = this.records.get(command.commandId);
    if (seen?.state === 'deferred') return this.send({ commandId: command.commandId, state: 'delivered' });
    if (seen && seen.state !== 'running') return this.ack(command.commandId, seen);
    if (seen) return this.finish(command.commandId, { state: 'failed', error: 'the agent stopped while this command ran; it is not run twice' });
    if (!isCommandType(command.type)) return this.finish(command.commandId, { state: 'rejected', error: `this agent does not know the command ${command.type}` });
    const args = COMMAND_ARGS[command.type].safeParse(command.args);
    if (!args.success) return this.finish(command.commandId, { state: 'rejected', error: `the arguments of ${command.type} are not valid` });
    if (Date.parse(command.expiresAt) <= (this.options.clock ?? Date).now()) return this.finish(command.commandId, { state: 'expired', error: 'it arrived after it expired' });

    this.remember(command.commandId, { state: 'running' });
    await this.send({ commandId: command.commandId, state: 'delivered' });
    log.info({ command: command.commandId, type: command.type }, 'running command');
    try {
      const handler = this.options.handlers[command.type] as (args: unknown, context: { commandId: string }) => Promise<unknown>;
      const limitMs = this.options.timeouts?.[command.type] ?? this.options.timeoutMs ?? 60_000;
      const result = await withTimeout(handler(args.data, { commandId: command.commandId }), limitMs, `did not finish within ${limitMs / 1000} s`);
      if (result === DEFERRED) return this.remember(command.commandId, { state: 'deferred' });
      await this.finish(command.commandId, { state: 'succeeded', ...(result === undefined ? {} : { result }) });
    } catch (error) {
      await this.finish(command.commandId, { state: 'failed', error: (error as Error).message.slice(0, 500) });
    }
  }

  private async finish(commandId: string, record: Entry & { state: Outcome }): Promise<void> {
    this.remember(commandId, record);
    await this.ack(commandId, record);
  }

  private async ack(commandId: string, record: Entry): Promise<void> {
    if (record.state === 'running' || record.state === 'deferred') return;
    await this.send({ commandId, state: record.state, ...(record.result === undefined ? {} : { result: record.result }), ...(record.error ? { error: record.error } : {}) });
  }

  private async send(ack: Ack): Promise<void> {
    // Offline, the ack is lost; the gateway sends the command again and gets it then.
    if (!(await this.options.link.send('ack', ack))) this.options.log.debug({ command: ack.commandId, state: ack.state }, 'ack not sent; the gateway will ask again');
  }

  /** Durable before the command runs, so a crash cannot make it run twice. */
  private remember(commandId: string, record: Entry): void {
    this.records.delete(commandId);
    this.records.set(commandId, record);
    const limit = this.options.remember ?? 200;
    for (const id of [...this.records.keys()].slice(0, Math.max(0, this.records.size - limit))) this.records.delete(id);
    writeFileDurably(this.options.path, JSON.stringify(Object.fromEntries(this.records)), 0o600);
  }
}
