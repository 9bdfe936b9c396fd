/** The sd_notify client (protocol/src/node/systemd.ts) against a real AF_UNIX datagram socket (not in the unit loop: it opens sockets). */
import { join } from 'node:path';
import { ServiceNotifier } from '@loyalty/protocol/node';
import { afterEach, describe, expect, it } from 'vitest';
import { notifySocket } from '../support/notify-socket.js';
import { eventually, tempDir } from '../support/system.js';

describe('ServiceNotifier', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const warnings: string[] = [];
  const log = { warn: (_details: object, message: string) => void warnings.push(message) };
  const rig = () => {
    const dir = tempDir('notify');
    const socket = notifySocket(join(dir.path, 'notify'));
    cleanups.push(
      () => socket.close(),
      () => dir.remove(),
    );
    return socket;
  };

  it('does nothing outside systemd', async () => {
    const notifier = new ServiceNotifier({}, log);
    expect(notifier.enabled).toBe(false);
    expect(notifier.watchdogIntervalMs).toBeNull();
    await notifier.ready('up');
    notifier.startWatchdog(async () => null);
    notifier.close();
  });

  it('keeps a status to one line, so an error message cannot add assignments of its own', async () => {
    const socket = rig();
    const notifier = new ServiceNotifier({ NOTIFY_SOCKET: socket.path }, log);
    cleanups.push(() => notifier.close());
    await notifier.ready('ledger: boom\nREADY=1\nMAINPID=1');
    await notifier.status('a\r\nb');
    await eventually(() => socket.texts().length === 2, 2000, 'two datagrams');
    expect(socket.texts()).toEqual(['READY=1\nSTATUS=ledger: boom READY=1 MAINPID=1', 'STATUS=a b']);
  });

  it('pings at half the watchdog period only for the process the watchdog names', async () => {
    const socket = rig();
    const other = new ServiceNotifier({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid + 1) }, log);
    expect(other.watchdogIntervalMs).toBeNull();
    const notifier = new ServiceNotifier({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) }, log);
    cleanups.push(() => notifier.close());
    expect(notifier.watchdogIntervalMs).toBe(100);
    let healthy = true;
    notifier.startWatchdog(async () => (healthy ? null : 'journal does not answer'));
    await eventually(() => socket.pingsSince(0) >= 3, 2000, 'three pings');
    healthy = false;
    await eventually(() => socket.texts().includes('STATUS=unhealthy: journal does not answer'), 2000, 'unhealthy status');
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 350));
    expect(socket.pingsSince(since)).toBe(0);
    // A check that hangs counts as failed.
    notifier.close();
    const hanging = new ServiceNotifier({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000' }, log);
    cleanups.push(() => hanging.close());
    hanging.startWatchdog(() => new Promise(() => undefined));
    await eventually(() => socket.texts().some((t) => t.startsWith('STATUS=unhealthy: health check took longer than 100 ms')), 2000, 'hung check reported');
  });

  it('warns once about an abstract socket it cannot reach, and carries on', () => {
    const notifier = new ServiceNotifier({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }, log);
    expect(notifier.enabled).toBe(false);
    expect(warnings).toContain('abstract NOTIFY_SOCKET not supported; systemd will not hear from this service');
  });
});
