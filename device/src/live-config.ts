/**
 * The operator's desired configuration on the kiosk (docs/fleet.md "Configuration"). Each field
 * is checked with the very schema of the kiosk's config file; the fields that can change while
 * the agent runs are applied at once, every other field is refused with the reason, and the
 * outcome is reported in telemetry: the version applied and what was refused.
 */
import type { DesiredKioskConfig } from '@loyalty/protocol';
import { KioskConfig } from './config.js';

/** What changes live; everything else in the config file applies at the next start. */
export const LIVE_FIELDS = ['memberScreenMs', 'requestTimeoutMs', 'heartbeatIntervalMs', 'logLevel', 'printer', 'offline'] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];
export type LiveChanges = Partial<Pick<KioskConfig, LiveField>>;

export interface ConfigReport {
  version: number;
  refused: Array<{ field: string; reason: string }>;
}

/** Splits a desired document into valid live changes and refusals. */
export function readDesired(desired: DesiredKioskConfig): { changes: LiveChanges; report: ConfigReport } {
  const changes: Record<string, unknown> = {};
  const refused: ConfigReport['refused'] = [];
  const shape = KioskConfig.shape as Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: Array<{ message: string }> } } }>;
  for (const [field, value] of Object.entries(desired.config)) {
    if (!(LIVE_FIELDS as readonly string[]).includes(field)) {
      refused.push({ field, reason: field in shape ? 'applies only at the next start: set it in the kiosk’s config file' : 'not a kiosk configuration field' });
      continue;
    }
    const checked = shape[field]!.safeParse(value);
    if (checked.success) changes[field] = checked.data;
    else refused.push({ field, reason: (checked.error?.issues[0]?.message ?? 'not valid').slice(0, 200) });
  }
  return { changes: changes as LiveChanges, report: { version: desired.version, refused } };
}
