/**
 * The systemd service protocol (sd_notify(3)), for units with Type=notify and WatchdogSec
 * (docs/operator-guide.md "systemd"): READY=1 once the service answers, WATCHDOG=1 each time its
 * health check passes, STOPPING=1 when it begins to stop, STATUS= for `systemctl status`.
 *
 * A notification is one datagram on the AF_UNIX socket named by $NOTIFY_SOCKET. Node's dgram
 * module has no AF_UNIX datagrams, so this uses `unix-dgram` (a small, long-kept native addon);
 * it is loaded only when systemd asked for notifications, so a run by hand never needs it.
 */
import { createRequire } from 'node:module';
import { withTimeout } from './timeout.js';

/** What systemd puts in the service's environment (main.ts passes it in). */
export interface NotifyEnvironment {
  NOTIFY_SOCKET?: string;
  WATCHDOG_USEC?: string;
  WATCHDOG_PID?: string;
}

export interface NotifyLog {
  warn(details: object, message: string): void;
}

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback: (error?: Error) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}

/** Sends notifications to systemd; does nothing when the process was not started by a notify unit. */
export class ServiceNotifier {
  private socket: UnixDgramSocket | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  /** Half the watchdog period, as sd_watchdog_enabled(3) advises; null when no watchdog is set. */
  readonly watchdogIntervalMs: number | null;
  private readonly path: string | null;

  constructor(
    env: NotifyEnvironment,
    private readonly log: NotifyLog,
    pid = process.pid,
  ) {
    const path = env.NOTIFY_SOCKET?.trim() || null;
    // An abstract socket ("@name") has no file; unix-dgram binds paths only. systemd itself
    // uses /run/systemd/notify; a container manager may not.
    if (path?.startsWith('@')) log.warn({ socket: path }, 'abstract NOTIFY_SOCKET not supported; systemd will not hear from this service');
    this.path = path && !path.startsWith('@') ? path : null;
    const usec = Number(env.WATCHDOG_USEC);
    // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it must not ping.
    const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === pid;
    this.watchdogIntervalMs = this.path && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  }

  get enabled(): boolean {
    return this.path !== null;
  }

  ready(status?: string): Promise<void> {
    return this.send(status ? `READY=1\nSTATUS=${oneLine(status)}` : 'READY=1');
  }

  stopping(status = 'stopping'): Promise<void> {
    this.stopWatchdog();
    return this.send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  status(text: string): Promise<void> {
    return this.send(`STATUS=${oneLine(text)}`);
  }

  /**
   * Pings the watchdog every half period while `check` resolves to null (healthy). A check that
   * answers with a reason, throws, or takes longer than the half period sends nothing, so systemd
   * stops the service when WatchdogSec passes without a healthy check and Restart= starts it again.
   */
  startWatchdog(check: () => Promise<string | null>): void {
    const interval = this.watchdogIntervalMs;
    if (interval === null || this.watchdogTimer) return;
    let lastProblem: string | null = null;
    let inFlight = false;
    const tick = async () => {
      if (inFlight) return;
      inFlight = true;
      try {
        // A check that throws or hangs counts as failed, with its reason.
        const problem = await withTimeout(check(), interval, `health check took longer than ${interval} ms`).catch((error: Error) => error.message);
        if (problem === null) {
          await this.send('WATCHDOG=1');
          if (lastProblem !== null) await this.status('healthy');
        } else if (problem !== lastProblem) {
          this.log.warn({ problem }, 'health check failed; not pinging the systemd watchdog');
          await this.status(`unhealthy: ${problem}`);
        }
        lastProblem = problem;
      } finally {
        inFlight = false;
      }
    };
    this.watchdogTimer = setInterval(() => void tick(), interval);
    this.watchdogTimer.unref();
    void tick();
  }

  stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
  }

  close(): void {
    this.stopWatchdog();
    this.socket?.close();
    this.socket = null;
  }

  private send(message: string): Promise<void> {
    const path = this.path;
    if (!path) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        this.socket ??= openSocket(this.log);
        const buf = Buffer.from(message);
        this.socket.send(buf, 0, buf.length, path, (error) => {
          if (error) this.log.warn({ err: error.message }, 'could not notify systemd');
          resolve();
        });
      } catch (error) {
        // Never fatal: a service that cannot tell systemd it is ready still serves.
        this.log.warn({ err: (error as Error).message }, 'could not notify systemd');
        resolve();
      }
    });
  }
}

/** A notification is newline-separated assignments: an error message must not add one of its own. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

function openSocket(log: NotifyLog): UnixDgramSocket {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): UnixDgramSocket };
  const socket = unixDgram.createSocket('unix_dgram');
  socket.on('error', (error) => log.warn({ err: error.message }, 'systemd notify socket error'));
  return socket;
}
