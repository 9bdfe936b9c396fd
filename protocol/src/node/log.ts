import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines to stdout (journald under systemd). The redact list is a second net: code never
 * logs phone numbers, full card numbers, codes or keys on purpose (docs/conventions.md "Habits").
 */
export function createLogger(options: { level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      base: { svc: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.phone', '*.password', '*.token', '*.code', '*.privateKey', 'phone', 'password', 'token'], censor: '[redacted]' },
    },
    options.destination ?? process.stdout,
  );
}
