/**
 * Fleet commands (docs/fleet.md "Commands"): what an operator can ask a kiosk to do, with the
 * arguments each type takes. The gateway refuses a command whose type or arguments do not match
 * (400); the kiosk checks again and answers `rejected` for one it does not know, so a newer
 * gateway never makes an older kiosk run something half understood.
 */
import { z } from 'zod';
import { ReleaseSignature, ReleaseVersion, Sha256Hex } from './releases.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const COMMAND_ARGS = {
  /** the agent exits after acknowledging; systemd starts it again */
  restart_agent: z.strictObject({}),
  /** reads the stored rules bundle and hotlist again, verifying their signatures */
  reload_caches: z.strictObject({}),
  print_test_page: z.strictObject({}),
  /** prints the last slip of this kiosk again, marked as a copy */
  reprint_last: z.strictObject({}),
  set_log_level: z.strictObject({ level: z.enum(LOG_LEVELS) }),
  /** answers health, versions, outbox depth and refusal counts: no personal data, no logs */
  collect_diagnostics: z.strictObject({}),
  /** makes a new key pair and announces it (docs/security.md "Key rotation") */
  rotate_key: z.strictObject({}),
  /**
   * installs a signed agent release beside the running one and restarts into it; rolled back
   * when it does not come up healthy (docs/fleet.md "Agent updates"). Operators give only the
   * version; the gateway fills in the rest from the uploaded release.
   */
  update_agent: z.strictObject({
    version: ReleaseVersion,
    url: z.url({ protocol: /^https?$/ }),
    size: z
      .number()
      .int()
      .min(1)
      .max(512 * 1024 * 1024),
    sha256: Sha256Hex,
    signature: ReleaseSignature,
  }),
} as const;

export type CommandType = keyof typeof COMMAND_ARGS;
export const COMMAND_TYPES = Object.keys(COMMAND_ARGS) as CommandType[];

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(COMMAND_ARGS, type);
}

/** A command's life: the gateway queues it, the kiosk says it arrived, then how it ended. */
export const COMMAND_STATES = ['queued', 'delivered', 'succeeded', 'failed', 'expired', 'rejected'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];
export const FINAL_COMMAND_STATES: ReadonlySet<CommandState> = new Set(['succeeded', 'failed', 'expired', 'rejected']);
