/**
 * The kiosk's command runner over the in-memory link and a real state file: each command runs
 * once by its id (a repeat is answered from the record, also after a restart), one that was
 * running when the agent stopped fails instead of running twice, and expired, unknown or
 * malformed commands are answered without running anything. A deferred command (an agent
 * update) waits across a restart for the outcome the next start learns.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandRunner, DEFERRED, InMemoryKioskLink, type CommandHandlers } from '@loyalty/device';
import type { Ack, Command } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/system.js';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });
const later = () => new Date(Date.now() + 60_000).toISOString();

function rig(path: string) {
  const link = new InMemoryKioskLink();
  const ran: string[] = [];
  const handlers: CommandHandlers = {
    restart_agent: async () => ({ restarting: true }),
    reload_caches: async () => ({}),
    print_test_page: async () => {
      ran.push('print_test_page');
      return { printed: true };
    },
    reprint_last: async () => {
      throw new Error('this kiosk has printed nothing since it started');
    },
    set_log_level: async ({ level }) => ({ level }),
    collect_diagnostics: async () => ({}),
    rotate_key: async () => ({}),
    update_agent: async () => {
      ran.push('update_agent');
      return DEFERRED;
    },
  };
  const runner = new CommandRunner({ path, link, handlers, log: silent });
  runner.start();
  const acks = () => link.sent.filter((s) => s.channel === 'ack').map((s) => s.body as Ack);
  const send = async (command: Command) => {
    link.emit('command', command);
    await runner.settled();
  };
  return { link, runner, ran, acks, send };
}

describe('kiosk command runner', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  const file = () => {
    const dir = tempDir('commands');
    dirs.push(dir);
    return `${dir.path}/commands.json`;
  };

  it('runs a command once, acknowledging delivered then its outcome, and answers a repeat from the record, also after a restart', async () => {
    const path = file();
    const first = rig(path);
    const command = { commandId: 'c-1', type: 'print_test_page', args: {}, expiresAt: later() };
    await first.send(command);
    await first.send(command);
    expect(first.ran).toEqual(['print_test_page']);
    expect(first.acks().map((a) => a.state)).toEqual(['delivered', 'succeeded', 'succeeded']);
    expect(first.acks()[1]).toMatchObject({ result: { printed: true } });
    await first.runner.stop();
    const second = rig(path);
    await second.send(command);
    expect(second.ran).toEqual([]);
    expect(second.acks()).toEqual([{ commandId: 'c-1', state: 'succeeded', result: { printed: true } }]);
  });

  it('fails a command that was running when the agent stopped, rather than running it twice', async () => {
    const path = file();
    writeFileSync(path, JSON.stringify({ 'c-2': { state: 'running' } }));
    const r = rig(path);
    await r.send({ commandId: 'c-2', type: 'print_test_page', args: {}, expiresAt: later() });
    expect(r.ran).toEqual([]);
    expect(r.acks()).toEqual([{ commandId: 'c-2', state: 'failed', error: expect.stringContaining('not run twice') }]);
  });

  it('answers expired, unknown, malformed and failing commands without running anything', async () => {
    const r = rig(file());
    await r.send({ commandId: 'old', type: 'print_test_page', args: {}, expiresAt: new Date(Date.now() - 1000).toISOString() });
    await r.send({ commandId: 'odd', type: 'make_coffee', args: {}, expiresAt: later() });
    await r.send({ commandId: 'bad', type: 'set_log_level', args: { level: 'loud' }, expiresAt: later() });
    await r.send({ commandId: 'none', type: 'reprint_last', args: {}, expiresAt: later() });
    expect(r.ran).toEqual([]);
    expect(r.acks().map((a) => `${a.commandId}:${a.state}`)).toEqual(['old:expired', 'odd:rejected', 'bad:rejected', 'none:delivered', 'none:failed']);
    expect(r.acks().at(-1)?.error).toContain('printed nothing');
  });

  it('keeps a deferred command waiting across a restart, answers a repeat `delivered`, and ends it once with the outcome given later', async () => {
    const path = file();
    const update = {
      commandId: 'u-1',
      type: 'update_agent',
      args: { version: '0.2.0', url: 'http://gw:8080/api/v1/releases/0.2.0/agent.tgz', size: 10, sha256: 'a'.repeat(64), signature: 'b'.repeat(86) },
      expiresAt: later(),
    };
    const before = rig(path);
    await before.send(update);
    expect(before.ran).toEqual(['update_agent']);
    expect(before.acks().map((a) => a.state)).toEqual(['delivered']);
    await before.runner.stop();

    const after = rig(path);
    await after.send(update);
    expect(after.ran).toEqual([]);
    expect(after.acks().map((a) => a.state)).toEqual(['delivered']);
    expect(await after.runner.complete('u-1', { state: 'succeeded', result: { version: '0.2.0' } })).toBe(true);
    expect(await after.runner.complete('u-1', { state: 'failed', error: 'too late' })).toBe(false);
    await after.send(update);
    expect(after.acks().slice(1)).toEqual([
      { commandId: 'u-1', state: 'succeeded', result: { version: '0.2.0' } },
      { commandId: 'u-1', state: 'succeeded', result: { version: '0.2.0' } },
    ]);
  });
});
