/** The body schema for each channel, for receivers that dispatch on the topic. */
import { ReplyEnvelope, Request } from './kiosk-api.js';
import { Ack, Command, DesiredConfig, DesiredKioskConfig, Hotlist, KioskState, RulesBundle, Telemetry } from './messages.js';

export const CHANNEL_BODIES = {
  req: Request,
  res: ReplyEnvelope,
  cmd: Command,
  ack: Ack,
  tele: Telemetry,
  state: KioskState,
  config: DesiredConfig,
  desired: DesiredKioskConfig,
  rules: RulesBundle,
  hotlist: Hotlist,
} as const;
