/**
 * The shapes /api/v1 answers with (docs/api.md). Each route names its response schema here or
 * beside it; the OpenAPI document is generated from them and tests check every response against
 * them (route.ts).
 */
import { z } from 'zod';
import { CARD_NUMBER_PATTERN, Currency, Hotlist, Telemetry } from '@loyalty/protocol';
import { ALARM_TYPES } from '../fleet/alarms.js';

export const Timestamp = z.string().describe('RFC 3339, UTC');

/** C0 and C1 control characters: a NUL truncated names in the database, ESC drives printers. */
const CONTROL_CHARACTERS = /\p{Cc}/u;
/** Names and free text: trimmed, bounded, and without control characters (400 invalid_request naming the field). */
export const Text = (min: number, max: number, tooShort?: string) =>
  z
    .string()
    .trim()
    .min(min, tooShort)
    .max(max)
    .refine((text) => !CONTROL_CHARACTERS.test(text), 'control characters (NUL, ESC, line breaks …) are not allowed');
export const MoneyOut = z.object({ amount: z.number().int(), currency: z.string() });
export const StoreIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ -');
export const CardNumber = z.string().regex(CARD_NUMBER_PATTERN, 'a card number is 5-19 digits');
export const CardStatus = z.enum(['active', 'blocked', 'unlinked']);
export const ErrorBody = z.object({ error: z.string(), message: z.string(), details: z.unknown().optional() });

export const Lot = z.object({ points: z.number().int(), expiresAt: Timestamp.nullable() });

export const CardView = z.object({
  number: CardNumber,
  uid: z.string().nullable(),
  status: CardStatus,
  customerId: z.string().nullable(),
  programId: z.string(),
  balance: z.number().int(),
  available: z.number().int(),
  held: z.number().int(),
  tier: z.string().nullable(),
  lots: z.array(Lot),
  nextExpiry: Lot.nullable(),
  wallet: MoneyOut.optional(),
});

export const IssuedCard = z.object({ number: CardNumber, uid: z.string().nullable(), status: CardStatus, customerId: z.string().nullable(), programId: z.string() });

export const CardBatch = z.object({ batchId: z.string(), numbers: z.array(CardNumber) });

export const CardReplaced = z.object({
  old: z.object({ number: CardNumber, status: z.literal('blocked') }),
  new: z.object({ number: CardNumber, status: CardStatus, balance: z.number().int() }),
  reason: z.string(),
});

export const CardEvents = z.object({ items: z.array(z.object({ kind: z.string(), detail: z.unknown(), actor: z.string(), at: Timestamp })), nextCursor: z.null() });

export const Statement = z.object({
  items: z.array(z.object({ at: Timestamp, kind: z.string(), points: z.number().int(), balance: z.number().int(), ref: z.string() })),
  nextCursor: z.string().nullable(),
});

export const HotlistView = Hotlist;

export const QuoteLine = z.object({ rule: z.string(), text: z.string(), points: z.number().int().optional(), amount: z.number().int().optional() });

export const QuoteView = z.object({
  ruleSetVersion: z.number().int(),
  currency: z.string(),
  subtotal: z.number().int(),
  discount: z.number().int(),
  pointsRedeemed: z.number().int(),
  redemptionValue: z.number().int(),
  walletPaid: z.number().int(),
  payable: z.number().int(),
  pointsEarned: z.number().int(),
  purchasePoints: z.number().int(),
  lots: z.array(Lot),
  pointsRedeemable: z.number().int(),
  cashback: MoneyOut.nullable(),
  tier: z.object({ before: z.string().nullable(), after: z.string().nullable(), reviewAt: z.string(), qualifyingSpend: z.number().int() }).nullable(),
  welcomeBonus: z.boolean(),
  birthdayBonusYear: z.number().int().nullable(),
  referral: z.object({ referrerId: z.string(), points: z.number().int() }).nullable(),
  partner: z.object({ id: z.string(), programId: z.string(), version: z.number().int() }).nullable(),
  earningRule: z.string().nullable(),
  items: z.array(
    z.object({ sku: z.string(), category: z.string(), quantity: z.number().int(), unitPrice: z.number().int(), total: z.number().int(), discount: z.number().int(), paid: z.number().int() }),
  ),
  lines: z.array(QuoteLine),
});

export const PurchaseView = z.object({
  purchaseId: z.string(),
  discount: MoneyOut,
  pointsEarned: z.number().int(),
  pointsRedeemed: z.number().int(),
  walletPaid: MoneyOut,
  payable: MoneyOut,
  balance: z.number().int(),
  tier: z.string().nullable(),
  cashback: MoneyOut.nullable(),
  lots: z.array(Lot),
  ruleSetVersion: z.number().int(),
  lines: z.array(QuoteLine),
});

export const SaleView = z.object({
  storeId: z.string(),
  tillId: z.string(),
  receiptId: z.string(),
  total: z.number().int(),
  currency: Currency,
  items: z.array(z.object({ sku: z.string(), category: z.string(), quantity: z.number().int(), unitPrice: z.number().int() })).optional(),
  registeredAt: Timestamp,
  claimableUntil: Timestamp,
  code: z.string().describe('what the till prints as the receipt barcode'),
});

export const RefundView = z.object({
  pointsReversed: z.number().int(),
  balance: z.number().int(),
  clawback: z.object({ points: z.number().int() }).optional(),
  cashbackReversed: MoneyOut.optional(),
  walletReturned: MoneyOut.optional(),
  tier: z.string().nullable().optional(),
});

export const Coupon = z.object({ code: z.string(), value: MoneyOut, expiresAt: Timestamp, rewardId: z.string().optional(), reward: z.string().optional() });

export const RedemptionView = z.object({ balance: z.number().int(), pointsRedeemed: z.number().int(), coupon: Coupon });

export const HoldStarted = z.object({ holdId: z.string(), confirmationId: z.string(), points: z.number().int(), expiresAt: Timestamp });

export const HoldConfirmed = z.object({ balance: z.number().int(), coupon: Coupon.omit({ rewardId: true, reward: true }).extend({ rewardId: z.string().optional(), reward: z.string().optional() }) });

export const AdjustmentView = z.object({ balance: z.number().int() });

export const UsedCoupon = z.object({
  coupon: z.object({ code: z.string(), value: MoneyOut, points: z.number().int(), rewardId: z.string().nullable(), reward: z.string().nullable(), usedAt: Timestamp, storeId: z.string() }),
});

export const ProgramVersion = z.object({
  version: z.number().int(),
  document: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  createdBy: z.string(),
  publishedAt: Timestamp.nullable(),
  stores: z.array(z.string()).nullable(),
});

export const ProgramList = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string().nullable(), currentVersion: z.number().int().nullable(), draftVersion: z.number().int().nullable() })),
  nextCursor: z.null(),
});

export const ProgramDetail = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().nullable(),
  current: ProgramVersion.nullable(),
  draft: ProgramVersion.nullable(),
  stores: z.array(
    z.object({
      storeId: z.string(),
      version: z.number().int(),
      bundleVersion: z.number().int().nullable(),
      kiosks: z.number().int(),
      kiosksOnBundle: z.number().int(),
      lastHour: z.object({ earns: z.number().int(), redemptions: z.number().int(), refusals: z.number().int() }),
      activeAlarms: z.number().int(),
    }),
  ),
});

export const ProgramStored = z.object({ id: z.string(), version: z.number().int() });

export const Published = z.object({ id: z.string(), version: z.number().int(), bundles: z.array(z.object({ storeId: z.string(), version: z.number().int() })) });

export const RolledBack = z.object({ storeId: z.string(), version: z.number().int(), programs: z.array(z.object({ programId: z.string(), version: z.number().int() })) });

export const Entrance = z.object({ programId: z.string(), allowed: z.boolean(), reason: z.string(), message: z.string(), validUntil: Timestamp.nullable() });

export const MembershipView = z.object({ programId: z.string(), customerId: z.string().nullable(), validUntil: Timestamp.nullable(), fee: MoneyOut.nullable(), renewed: z.boolean() });

export const Customer = z.object({
  id: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  birthday: z.string().nullable(),
  referredBy: z.string().nullable(),
  marketingConsent: z.boolean(),
  marketingConsentAt: Timestamp.nullable(),
  createdAt: Timestamp,
  erased: z.boolean(),
});

export const CustomerDetail = Customer.extend({
  cards: z.array(z.object({ number: CardNumber, uid: z.string().nullable(), status: CardStatus, programId: z.string(), balance: z.number().int(), tier: z.string().nullable(), lots: z.array(Lot) })),
  tier: z.string().nullable(),
  memberships: z.array(z.object({ programId: z.string(), validUntil: Timestamp.nullable() })),
});

export const CustomerList = z.object({ items: z.array(Customer), nextCursor: z.null() });

export const CustomerExport = z.object({ exportedAt: Timestamp, customer: CustomerDetail, statements: z.array(z.object({ card: CardNumber, statement: Statement.shape.items })) });

export const Erased = z.object({ id: z.string(), erased: z.literal(true), cardsUnlinked: z.number().int() });

export const SegmentView = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  document: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  createdBy: z.string(),
});
export const SegmentList = z.object({ items: z.array(SegmentView), nextCursor: z.null() });
export const SegmentStored = z.object({ id: z.string(), version: z.number().int() });
export const SegmentMembersView = z.object({ segmentId: z.string(), version: z.number().int(), count: z.number().int(), items: z.array(z.string()), nextCursor: z.string().nullable() });

export const DataRequestView = z.object({
  id: z.string(),
  customerId: z.string(),
  kind: z.literal('erasure'),
  state: z.enum(['queued', 'done', 'declined']),
  createdAt: Timestamp,
  doneAt: Timestamp.nullable(),
  doneBy: z.string().nullable(),
  note: z.string().nullable(),
});
export const DataRequestList = z.object({ items: z.array(DataRequestView), nextCursor: z.null() });

export const RegistrationStarted = z.object({ registrationId: z.string(), expiresAt: Timestamp });
export const RegistrationConfirmed = z.object({ customerId: z.string(), card: z.object({ number: CardNumber, status: z.string() }) });
export const IdentificationStarted = z.object({ identificationId: z.string(), expiresAt: Timestamp });

export const StoreView = z.object({ id: z.string(), name: z.string(), timezone: z.string(), legacyReceiptsPerCardPerDay: z.number().int(), createdAt: Timestamp });
export const StoreList = z.object({ items: z.array(StoreView), nextCursor: z.null() });

export const KioskView = z.object({
  id: z.string(),
  storeId: z.string(),
  status: z.enum(['active', 'revoked']),
  revokedReason: z.string().nullable(),
  online: z.boolean(),
  lastSeen: Timestamp.nullable(),
  keyFingerprint: z.string(),
  telemetry: Telemetry.nullable(),
});
export const KioskList = z.object({ items: z.array(KioskView), nextCursor: z.null() });

export const PairingCode = z.object({ code: z.string(), expiresAt: Timestamp });
export const EnrollmentGrant = z.object({
  kioskId: z.string(),
  storeId: z.string(),
  storeName: z.string(),
  keyFingerprint: z.string(),
  gateway: z.object({ senderIds: z.array(z.string()), publicKeys: z.array(z.string()) }),
  broker: z.object({ host: z.string(), port: z.number().int(), username: z.string(), password: z.string() }),
});

export const GatewayIdentity = z.object({ instanceId: z.string(), keyFingerprint: z.string(), announcedKeys: z.array(z.string()), keySetVersion: z.number().int() });

export const VerifyReport = z.object({
  ok: z.boolean(),
  transfers: z.number().int(),
  accounts: z.number().int(),
  lots: z.number().int(),
  chainHead: z.string(),
  violations: z.array(z.object({ check: z.string(), detail: z.string() })),
});

export const BrokerDecision = z.object({ result: z.enum(['allow', 'deny']) });

export const CommandView = z.object({
  commandId: z.string(),
  kioskId: z.string(),
  type: z.string(),
  args: z.record(z.string(), z.unknown()),
  state: z.enum(['queued', 'delivered', 'succeeded', 'failed', 'expired', 'rejected']),
  result: z.unknown(),
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  updatedAt: Timestamp,
});
export const CommandList = z.object({ items: z.array(CommandView), nextCursor: z.null() });
export const FannedOut = z.object({ commands: z.array(CommandView) });

export const AlarmView = z.object({
  id: z.number().int(),
  kioskId: z.string(),
  storeId: z.string(),
  type: z.enum(ALARM_TYPES),
  detail: z.string(),
  raisedAt: Timestamp,
  clearedAt: Timestamp.nullable(),
});
export const AlarmList = z.object({ items: z.array(AlarmView), nextCursor: z.null() });

export const DesiredView = z.object({ version: z.number().int(), config: z.record(z.string(), z.unknown()) });
export const KioskDetail = KioskView.extend({
  config: z.object({
    desired: DesiredView.nullable(),
    reported: z.object({ version: z.number().int(), refused: z.array(z.object({ field: z.string(), reason: z.string() })) }).nullable(),
    difference: z.object({ pending: z.boolean(), refused: z.array(z.string()) }),
  }),
});
export const StoreConfigView = DesiredView.extend({ kiosks: z.array(z.string()) });

/** A signed agent release (docs/fleet.md "Agent updates"). */
export const ReleaseView = z.object({
  version: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  signature: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
});
export const ReleaseList = z.object({ items: z.array(ReleaseView), nextCursor: z.null() });
