import type { ErrorCode } from '@loyalty/protocol';

/** A business refusal with a named code; the MQTT router and HTTP layer map it, nothing else. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
