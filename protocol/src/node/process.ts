/**
 * Runs a service until SIGTERM/SIGINT, then stops it in reverse order; a second signal exits at
 * once. Used by both main.ts files (systemd sends SIGTERM; a person presses Ctrl-C).
 */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceLog {
  info(message: string): void;
  error(details: object, message: string): void;
}

export function runUntilSignal(service: Service, log: ServiceLog, name: string): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info(`${signal}: stopping ${name}`);
    service.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error.message }, `${name} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  service.start().catch((error: Error) => {
    log.error({ err: error.message }, `${name} failed to start`);
    process.exit(1);
  });
}
