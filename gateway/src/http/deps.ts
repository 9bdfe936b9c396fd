/** What the HTTP app needs from the gateway: handed to createApp and to each route module. */
import type { Logger } from '@loyalty/protocol/node';
import type { KioskRegistry, KioskView } from '../fleet/kiosk-registry.js';
import type { EnrollmentService } from '../fleet/enrollment.js';
import type { CommandService } from '../fleet/commands.js';
import type { ReleaseService } from '../fleet/releases.js';
import type { AlarmService } from '../fleet/alarms.js';
import type { KioskConfigService } from '../fleet/kiosk-config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Directory } from '../ledger/directory.js';
import type { VerifyReport } from '../ledger/verify.js';
import type { CardService } from '../members/card-service.js';
import type { CustomerService } from '../members/customer-service.js';
import type { RegistrationService } from '../members/registration-service.js';
import type { ConfirmedRedemptions } from '../members/confirmed-redemption.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ProgramService } from '../programs/program-service.js';
import type { ApiTokens } from './api-tokens.js';
import type { StaffService } from '../members/staff-service.js';
import type { ConsoleSessions } from '../console/sessions.js';
import type { SqlClient } from '../db/sql.js';
import type { Clock } from '../clock.js';
import type { KioskJournals } from '../fleet/kiosk-journals.js';
import type { CustomerSessions } from '../self-service/sessions.js';
import type { SelfServiceSignIn } from '../self-service/sign-in.js';
import type { DataRequests } from '../self-service/data-requests.js';
import type { SegmentService } from '../segments/segment-service.js';
import type { OptOutLinks } from '../reminders/opt-out.js';

export interface AppDeps {
  ledger: Ledger;
  programs: ProgramService;
  /** segments: versioned rule documents over customers (docs/segments.md) */
  segments: SegmentService;
  cards: CardService;
  customers: CustomerService;
  registrations: RegistrationService;
  confirmedRedemptions: ConfirmedRedemptions;
  staff: StaffService;
  /** sign-in sessions of the operators' console at /admin */
  consoleSessions: ConsoleSessions;
  /** the customers' page at /my (docs/self-service.md): its sessions, sign-in and queued data requests */
  customerSessions: CustomerSessions;
  selfServiceSignIn: SelfServiceSignIn;
  dataRequests: DataRequests;
  /** the signed opt-out links in reminders (docs/reminders.md) */
  optOut: OptOutLinks;
  /** the program of a digital card for a customer who never had a card */
  digitalCardProgram?: string;
  /** the ledger database, for the reports and the audit log (read transactions only) */
  db: SqlClient;
  clock: Clock;
  /** each kiosk's journal chain as received (docs/offline.md "The journal") */
  journals: KioskJournals;
  revokeKiosk: (id: string, reason: string) => Promise<KioskView>;
  commands: CommandService;
  releases: ReleaseService;
  /** the largest release tarball (413 above) */
  maxReleaseBytes: number;
  /** how kiosks reach this gateway over HTTP; default: the origin of the operator's request */
  publicUrl?: string;
  alarms: AlarmService;
  kioskConfig: KioskConfigService;
  enrollments: EnrollmentService;
  directory: Directory;
  /** shared secret of an external broker's HTTP auth hooks (none: the hooks refuse everything) */
  brokerHookSecret?: string;
  /** the broker username gateway replicas use on an external broker */
  brokerGatewayUser?: string;
  /** who this gateway is: sender id and key fingerprints */
  identity: { instanceId: string; keyFingerprint: string; announcedKeys: string[]; keySetVersion: number };
  registry: KioskRegistry;
  tokens: ApiTokens;
  metrics: GatewayMetrics;
  log: Logger;
  verify: () => Promise<VerifyReport>;
  /** what /readyz checks: each returns null when fine or a reason */
  readiness: Record<string, () => Promise<string | null>>;
  /** check every response against its schema (tests): a mismatch answers 500 */
  validateResponses?: boolean;
  /** the largest request body, in bytes (413 above) */
  maxBodyBytes?: number;
  /** requests per minute per API token and per client address (0 or absent: no limit) */
  rateLimits?: { perTokenPerMinute: number; perAddressPerMinute: number };
}
