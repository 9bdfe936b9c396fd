/**
 * Runs a service until SIGTERM/SIGINT, then stops it in reverse order; a second signal exits at
 * once. Used by both main.ts files (systemd sends SIGTERM; a person presses Ctrl-C). Under a
 * Type=notify unit it tells systemd when the service is ready, pings the watchdog while the
 * service's health check passes, and says when it is stopping (docs/operator-guide.md "systemd").
 */
import type { ServiceNotifier } from './systemd.js';

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** null when healthy, else what is wrong; the systemd watchdog is pinged only while healthy */
  health?(): Promise<string | null>;
  /** one line for `systemctl status` once started */
  readyStatus?(): string;
}

export interface ServiceLog {
  info(message: string): void;
  error(details: object, message: string): void;
}

export function runUntilSignal(service: Service, log: ServiceLog, name: string, notifier?: ServiceNotifier): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info(`${signal}: stopping ${name}`);
    const stopped = (code: number) => {
      notifier?.close();
      process.exit(code);
    };
    (notifier?.stopping() ?? Promise.resolve())
      .then(() => service.stop())
      .then(
        () => stopped(0),
        (error: Error) => {
          log.error({ err: error.message }, `${name} did not stop cleanly`);
          stopped(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  service.start().then(
    async () => {
      if (!notifier || stopping) return;
      await notifier.ready(service.readyStatus?.());
      if (service.health) notifier.startWatchdog(() => service.health!());
    },
    (error: Error) => {
      log.error({ err: error.message }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
