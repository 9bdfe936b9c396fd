/**
 * zod schemas of every message body on the wire (docs/protocol.md). The envelope (envelope.ts) carries
 * one of these as its `body`; receivers parse it with the schema of the channel it arrived on.
 */
import { z } from 'zod';
import { CARD_NUMBER_PATTERN, CARD_UID_PATTERN } from './card-number.js';
import { OP_ID_PATTERN } from './op-id.js';
import { ID_PATTERN } from './topics.js';
import { JournalLink } from './journal.js';

/** Each journalled (state-changing) request carries its link in the kiosk's hash chain (journal.ts). */
const journal = JournalLink.optional();
import { MemberSnapshotSchema, PublishedProgram } from './programs/schema.js';

export const OpId = z.string().regex(OP_ID_PATTERN, 'must be a UUIDv7 op id');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
/** Money is integer minor units (cents) with its currency, never a float. */
export const Money = z.strictObject({ amount: z.number().int().min(0).max(1e12), currency: Currency });
export type Money = z.infer<typeof Money>;

export const CardRef = z.union([
  z.strictObject({ number: z.string().regex(CARD_NUMBER_PATTERN, 'must be 5-19 digits') }),
  z.strictObject({ uid: z.string().regex(CARD_UID_PATTERN, 'must be a 4, 7 or 10 byte UID in upper-case hex') }),
]);
export type CardRef = z.infer<typeof CardRef>;
export const CardStatus = z.enum(['active', 'blocked', 'unlinked']);

/** The staff card that opened staff mode: its id from the staff list and the UID tapped. */
export const StaffRef = z.strictObject({ id: z.string().regex(ID_PATTERN), uid: z.string().regex(CARD_UID_PATTERN) });
export type StaffRef = z.infer<typeof StaffRef>;

// ---- requests: kiosk → gateway on k/{id}/req -------------------------------------------------

/** A till receipt the customer scans at the kiosk to collect points for a purchase. */
export const ReceiptRef = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  total: Money,
});
export type ReceiptRef = z.infer<typeof ReceiptRef>;

export const IdentifyRequest = z.strictObject({ kind: z.literal('identify'), opId: OpId, card: CardRef });
export const EarnRequest = z.strictObject({ kind: z.literal('earn'), opId: OpId, journal, card: CardRef, receipt: ReceiptRef });

/**
 * A kiosk announces its new key: the envelope is signed with the current key, and `proof` is the
 * new key's signature over rotationProofInput(kioskId, newPublicKey), so both keys vouch.
 */
export const RotateKeyRequest = z.strictObject({
  kind: z.literal('rotate_key'),
  opId: OpId,
  journal,
  newPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  proof: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

/**
 * Spending points at the kiosk: a reward of the card's program, or a number of points for a
 * coupon worth them. Above the program's `redemption.confirmAbove` the answer asks for the SMS
 * code sent to the card owner's phone (the points are held meanwhile); `redeem_confirm` sends it.
 */
export const RedeemRequest = z
  .strictObject({
    kind: z.literal('redeem'),
    opId: OpId,
    journal,
    card: CardRef,
    rewardId: z.string().regex(ID_PATTERN).optional(),
    points: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .refine((r) => (r.rewardId === undefined) !== (r.points === undefined), { message: 'give either rewardId or points' });
export const RedeemConfirmRequest = z.strictObject({
  kind: z.literal('redeem_confirm'),
  opId: OpId,
  journal,
  holdId: z.string().min(1).max(64),
  confirmationId: z.string().min(1).max(64),
  code: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits'),
});

/**
 * A redemption a kiosk made while it could not reach the gateway (docs/offline.md), within the
 * card token's limits and the kiosk's offline budget: the coupon is already printed, so the
 * gateway books it whatever the balance is now. What the balance no longer covers (the card spent
 * at two kiosks in one partition) goes to the `offline_overdraft` account as a reported exception.
 */
export const RedeemOfflineRequest = z.strictObject({
  kind: z.literal('redeem_offline'),
  opId: OpId,
  journal,
  card: CardRef,
  rewardId: z.string().regex(ID_PATTERN).optional(),
  points: z.number().int().min(1).max(1_000_000_000),
  /** the coupon as the kiosk printed it (its code is the kiosk's, from the op id) */
  coupon: z.strictObject({
    code: z.string().regex(/^[A-Z0-9]{4,40}$/),
    value: Money,
    expiresAt: z.iso.datetime(),
    reward: z.string().max(60).nullable(),
  }),
  redeemedAt: z.iso.datetime(),
  /** when the card token the kiosk relied on was issued */
  tokenIssuedAt: z.iso.datetime(),
});
export const RedeemOfflineData = z.strictObject({
  /** posted: covered by the balance; exception: partly or wholly booked to offline_overdraft */
  state: z.enum(['posted', 'exception']),
  pointsPosted: z.number().int().min(0),
  overdraft: z.number().int().min(0),
  balance: z.number().int(),
});
export type RedeemOfflineData = z.infer<typeof RedeemOfflineData>;

/** The customer left before typing the code: the held points are released at once, not after the hold's timeout. */
export const RedeemCancelRequest = z.strictObject({ kind: z.literal('redeem_cancel'), opId: OpId, journal, holdId: z.string().min(1).max(64) });
export const RedeemCancelData = z.strictObject({ released: z.number().int().min(0) });

/**
 * Registering a card at the kiosk, in three steps: the phone number (an SMS code is sent), the
 * code (only then does the kiosk learn whether the phone already has an account), and the name
 * and consent for a new customer (`register_confirm`, which links the card).
 */
export const RegisterStartRequest = z.strictObject({
  kind: z.literal('register_start'),
  opId: OpId,
  card: CardRef,
  phone: z.string().regex(/^\+?[0-9]{6,16}$/, 'digits, optionally after a +'),
  /** a staff member issuing the card (staff mode): the link is theirs in the audit log */
  staff: StaffRef.optional(),
});
export const RegisterVerifyRequest = z.strictObject({
  kind: z.literal('register_verify'),
  opId: OpId,
  registrationId: z.string().min(1).max(64),
  code: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits'),
});
export const RegisterConfirmRequest = z.strictObject({
  kind: z.literal('register_confirm'),
  opId: OpId,
  journal,
  registrationId: z.string().min(1).max(64),
  /** a new customer's name (first name and surname, any script); absent when the phone has an account */
  name: z.string().trim().min(1).max(60).optional(),
  marketingConsent: z.boolean(),
  staff: StaffRef.optional(),
});

// ---- staff at the kiosk (docs/staff.md) -------------------------------------------------------

/** Why a staff member acted, from a fixed list; `note` adds free text. */
export const BLOCK_REASONS = ['lost', 'stolen', 'fraud_suspected'] as const;
export const REPLACE_REASONS = ['lost', 'stolen', 'damaged'] as const;
export const ADJUST_REASONS = ['missing_points', 'goodwill', 'correction', 'other'] as const;
const Note = z.string().trim().max(200).optional();

export const StaffBlockRequest = z.strictObject({ kind: z.literal('staff_block'), opId: OpId, journal, staff: StaffRef, card: CardRef, reason: z.enum(BLOCK_REASONS), note: Note });
export const StaffBlockData = z.strictObject({ cardNumberMasked: z.string(), alreadyBlocked: z.boolean() });
export const StaffReplaceRequest = z.strictObject({
  kind: z.literal('staff_replace'),
  opId: OpId,
  journal,
  staff: StaffRef,
  /** the lost card, by number (typed, or found by the customer's phone) */
  oldCard: z.strictObject({ number: z.string().regex(CARD_NUMBER_PATTERN) }),
  /** the new card, tapped or scanned */
  newCard: CardRef,
  reason: z.enum(REPLACE_REASONS),
  note: Note,
});
export const StaffReplaceData = z.strictObject({ oldMasked: z.string(), newMasked: z.string(), balance: z.number().int() });
export const StaffAdjustRequest = z.strictObject({
  kind: z.literal('staff_adjust'),
  opId: OpId,
  journal,
  staff: StaffRef,
  /** the manager's second tap (step-up): the same card again */
  confirmedBy: StaffRef,
  card: CardRef,
  points: z
    .number()
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((p) => p !== 0, 'an adjustment is not zero'),
  reason: z.enum(ADJUST_REASONS),
  note: Note,
});
export const StaffAdjustData = z.strictObject({ cardNumberMasked: z.string(), balance: z.number().int() });
/** Finding a customer who lost their card: an SMS code goes to their phone; the code gives the staff their cards. */
export const StaffFindRequest = z.strictObject({ kind: z.literal('staff_find'), opId: OpId, staff: StaffRef, phone: z.string().regex(/^\+?[0-9]{6,16}$/, 'digits, optionally after a +') });
export const StaffFindData = z.strictObject({ lookupId: z.string().max(64), expiresAt: z.iso.datetime(), phoneMasked: z.string().max(32) });
export const StaffFindVerifyRequest = z.strictObject({ kind: z.literal('staff_find_verify'), opId: OpId, staff: StaffRef, lookupId: z.string().min(1).max(64), code: z.string().regex(/^\d{4,8}$/) });
export const StaffFindVerifyData = z.strictObject({
  cards: z.array(z.strictObject({ number: z.string(), masked: z.string(), status: CardStatus, balance: z.number().int() })).max(20),
});
/** What a staff member did that moves nothing at the gateway (a reprint, a test page, the start and end of staff mode): journalled and audited. */
export const StaffLogRequest = z.strictObject({
  kind: z.literal('staff_log'),
  opId: OpId,
  journal,
  staff: StaffRef,
  action: z.enum(['session_start', 'session_end', 'reprint', 'test_page', 'shift_report']),
});
export const StaffLogData = z.strictObject({ logged: z.literal(true) });
/** The kiosk's shift so far, for the shift report slip: what this kiosk did since `since`. */
export const StaffShiftRequest = z.strictObject({ kind: z.literal('staff_shift'), opId: OpId, staff: StaffRef, since: z.iso.datetime() });
export const StaffShiftData = z.strictObject({
  since: z.iso.datetime(),
  earns: z.number().int().min(0),
  pointsEarned: z.number().int(),
  redemptions: z.number().int().min(0),
  pointsRedeemed: z.number().int(),
  registrations: z.number().int().min(0),
  staffActions: z.number().int().min(0),
});
export type StaffShiftData = z.infer<typeof StaffShiftData>;

/**
 * "No card? Use your phone number" (docs/kiosk-page.md): an SMS code goes to the phone; the code
 * gives the kiosk the account's active card, and every journey goes on as with that card.
 */
export const IdentifyPhoneStartRequest = z.strictObject({
  kind: z.literal('identify_phone_start'),
  opId: OpId,
  phone: z.string().regex(/^\+?[0-9]{6,16}$/, 'digits, optionally after a +'),
});
export const IdentifyPhoneStartData = z.strictObject({ lookupId: z.string().max(64), expiresAt: z.iso.datetime(), phoneMasked: z.string().max(32) });
export const IdentifyPhoneVerifyRequest = z.strictObject({
  kind: z.literal('identify_phone_verify'),
  opId: OpId,
  lookupId: z.string().min(1).max(64),
  code: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits'),
});
export const IdentifyPhoneVerifyData = z.strictObject({ card: z.strictObject({ number: z.string().regex(CARD_NUMBER_PATTERN) }) });

/** A card presented at a club entrance kiosk: may its holder enter the club `programId`? */
export const EntranceRequest = z.strictObject({ kind: z.literal('entrance'), opId: OpId, card: CardRef, programId: z.string().regex(ID_PATTERN) });

export function rotationProofInput(kioskId: string, newPublicKey: string): Buffer {
  return Buffer.from(`loyalty-key-rotation:v1:${kioskId}:${newPublicKey}`);
}

/** What a kiosk signs to prove, at pairing, that it holds the key it enrolls (docs/security.md). */
export function enrollmentProofInput(code: string, publicKey: string): Buffer {
  return Buffer.from(`loyalty-enrollment:v1:${code.toUpperCase().replace(/[^A-Z0-9]/g, '')}:${publicKey}`);
}

// ---- replies: gateway → kiosk on k/{id}/res --------------------------------------------------

export const IdentifyData = z.strictObject({
  cardNumberMasked: z.string(),
  status: CardStatus,
  /** first name and an initial only: the kiosk screen is in a public place */
  displayName: z.string().nullable(),
  balance: z.number().int(),
  tier: z.string().nullable(),
  /** what the kiosk needs to estimate earnings with its cached rules (no personal data) */
  member: MemberSnapshotSchema.optional(),
  /** the points that expire first and when ("120 points expire on 31 Dec"); null when none expire */
  nextExpiry: z
    .strictObject({ points: z.number().int().min(1), expiresAt: z.iso.datetime() })
    .nullable()
    .optional(),
  /** the signed card token (card-token.ts): what the kiosk may rely on for this card while offline */
  offline: z.strictObject({ token: z.string().max(8192) }).optional(),
});
export type IdentifyData = z.infer<typeof IdentifyData>;

export const EarnData = z.strictObject({
  result: z.enum(['created', 'exists']),
  cardNumberMasked: z.string(),
  pointsEarned: z.number().int().min(0),
  balance: z.number().int(),
  transferId: z.string(),
  /** what each rule gave, in words for the receipt */
  lines: z
    .array(z.strictObject({ text: z.string().max(80), points: z.number().int().optional(), amount: z.number().int().optional() }))
    .max(40)
    .optional(),
});
export type EarnData = z.infer<typeof EarnData>;

/** A single-use coupon as the kiosk prints it: its value is in the program's currency. */
export const CouponData = z.strictObject({
  code: z.string().regex(/^[A-Z0-9]{4,40}$/),
  value: Money,
  expiresAt: z.iso.datetime(),
  points: z.number().int().min(1),
  /** the reward's name, or null for points off a purchase */
  reward: z.string().max(60).nullable(),
});
export type CouponData = z.infer<typeof CouponData>;

const CouponIssued = z.strictObject({ status: z.literal('issued'), coupon: CouponData, balance: z.number().int() });
export const RedeemData = z.discriminatedUnion('status', [
  CouponIssued,
  z.strictObject({ status: z.literal('confirm'), holdId: z.string().max(64), confirmationId: z.string().max(64), points: z.number().int().min(1), expiresAt: z.iso.datetime() }),
]);
export type RedeemData = z.infer<typeof RedeemData>;
export const RedeemConfirmData = CouponIssued;

export const RegisterStartData = z.strictObject({ registrationId: z.string().max(64), expiresAt: z.iso.datetime(), phoneMasked: z.string().max(32) });
export const RegisterVerifyData = z.strictObject({ existingCustomer: z.boolean() });
export const RegisterConfirmData = z.strictObject({ existingCustomer: z.boolean() });

/** The entrance's answer: in or not and why, the member's masked name, and for a paid membership how to renew. */
export const EntranceData = z.strictObject({
  allowed: z.boolean(),
  reason: z.enum(['member', 'not_a_member', 'membership_expired', 'card_blocked', 'card_not_registered', 'card_not_found']),
  displayName: z.string().nullable(),
  programName: z.string().max(80),
  validUntil: z.iso.datetime().nullable(),
  /** a paid membership's fee and period, to say how to renew */
  renewal: z.strictObject({ fee: Money, periodMonths: z.number().int().min(1) }).nullable(),
});
export type EntranceData = z.infer<typeof EntranceData>;

export const RotateKeyData = z.strictObject({ keyFingerprint: z.string(), previousKeyValidUntil: z.iso.datetime() });
export type RotateKeyData = z.infer<typeof RotateKeyData>;

// ---- fleet: commands, acks, telemetry, state, config -----------------------------------------

export const Command = z.strictObject({
  commandId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  type: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  args: z.record(z.string(), z.unknown()).default({}),
  expiresAt: z.iso.datetime(),
});
export type Command = z.infer<typeof Command>;

export const Ack = z.strictObject({
  commandId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  state: z.enum(['delivered', 'succeeded', 'failed', 'expired', 'rejected']),
  result: z.unknown().optional(),
  error: z.string().max(500).optional(),
});
export type Ack = z.infer<typeof Ack>;

export const DeviceHealth = z.enum(['ok', 'degraded', 'down', 'absent']);
export const Telemetry = z.strictObject({
  uptimeS: z.number().int().min(0),
  outboxDepth: z.number().int().min(0),
  health: z.record(z.string().max(32), z.strictObject({ state: DeviceHealth, detail: z.string().max(200).optional() })),
  versions: z.strictObject({ agent: z.string().max(32), rules: z.number().int().nullable(), hotlist: z.number().int().nullable(), staff: z.number().int().nullable().optional() }),
  /** the desired configuration this kiosk applied, and the fields it refused with why (docs/fleet.md "Configuration") */
  config: z
    .strictObject({
      version: z.number().int().min(0),
      refused: z.array(z.strictObject({ field: z.string().max(64), reason: z.string().max(200) })).max(50),
    })
    .optional(),
  /** messages the kiosk dropped since it started, by reason (malformed, bad_signature, …) */
  rejectedMessages: z.record(z.string().max(32), z.number().int().min(0)).default({}),
  /** slips and coupons not printed because their customer had left (the printer had no paper), since the start */
  droppedSlips: z.number().int().min(0).optional(),
});
export type Telemetry = z.infer<typeof Telemetry>;

export const KioskState = z.strictObject({ state: z.enum(['online', 'offline']) });
export type KioskState = z.infer<typeof KioskState>;

/**
 * The keys kiosks should trust for one gateway sender, carried in DesiredConfig.config as
 * `gatewayKeys` and signed by that sender (docs/security.md).
 */
export const GatewayKeySet = z.strictObject({
  sender: z.string().regex(/^gateway[A-Za-z0-9_-]{0,56}$/),
  keys: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{43}$/))
    .min(1)
    .max(8),
});
export type GatewayKeySet = z.infer<typeof GatewayKeySet>;

export const DesiredConfig = z.strictObject({
  version: z.number().int().min(0),
  config: z.record(z.string(), z.unknown()),
});
export type DesiredConfig = z.infer<typeof DesiredConfig>;

/**
 * What an operator wants a kiosk's configuration to be (its store's fields, then its own), with
 * a version that only grows. Field names and values are those of the kiosk's config file.
 */
export const DesiredKioskConfig = z.strictObject({
  version: z.number().int().min(1),
  config: z.record(z.string().max(64), z.unknown()),
});
export type DesiredKioskConfig = z.infer<typeof DesiredKioskConfig>;

/** Store-wide blocked cards. A kiosk keeps the newest version it has seen and refuses older ones. */
export const Hotlist = z.strictObject({
  version: z.number().int().min(0),
  numbers: z.array(z.string().regex(CARD_NUMBER_PATTERN)),
  uids: z.array(z.string().regex(CARD_UID_PATTERN)),
});
export type Hotlist = z.infer<typeof Hotlist>;

export const StaffRole = z.enum(['cashier', 'manager']);
export type StaffRole = z.infer<typeof StaffRole>;

/**
 * The staff cards that open staff mode at a store's kiosks (docs/staff.md): active staff of the
 * store and of every store, with the name the screen greets them by. A blocked staff member is
 * left out of the next version. Versions only grow; a kiosk refuses an older one.
 */
export const StaffList = z.strictObject({
  version: z.number().int().min(0),
  storeId: z.string().regex(ID_PATTERN),
  staff: z.array(z.strictObject({ id: z.string().regex(ID_PATTERN), name: z.string().min(1).max(60), role: StaffRole, uid: z.string().regex(CARD_UID_PATTERN) })).max(2000),
});
export type StaffList = z.infer<typeof StaffList>;

/**
 * The signed rule bundle for a store (docs/programs.md): every program in force there, each with its
 * version, as the operator wrote it. Bundle versions only grow; a kiosk refuses an older one.
 */
export const RulesBundle = z.strictObject({
  version: z.number().int().min(1),
  storeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  timezone: z.string().min(1).max(64),
  issuedAt: z.string().datetime(),
  programs: z.array(PublishedProgram).max(50),
});
export type RulesBundle = z.infer<typeof RulesBundle>;
