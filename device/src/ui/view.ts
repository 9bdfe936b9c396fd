/**
 * What the kiosk shows, as data: the agent's state machine sets one View at a time, and each
 * screen draws it its own way (a 20x4 LCD in ui/screens.ts, the touchscreen page in
 * ui/page-render.ts). One state machine, several views of it (docs/kiosk-page.md).
 */
import type { CouponData, Money } from '@loyalty/protocol';

export const LANGUAGES = ['en', 'ru'] as const;
export type Lang = (typeof LANGUAGES)[number];

export interface MemberView {
  /** first name and an initial ("Anna K."): the screen is in a public place */
  name: string | null;
  cardMasked: string;
  balance: number;
  /** the tier's name in the program, or null */
  tier: string | null;
  /** the next tier and the qualifying spend still needed for it */
  nextTier: { name: string; spendNeeded: Money } | null;
  /** the cashback wallet, when the card has one with money in it */
  wallet: Money | null;
  /** the points that expire first, and when */
  nextExpiry: { points: number; expiresAt: string } | null;
  /**
   * promotions meant for this member through a segment that run now (docs/segments.md), with the
   * store-local date and time they end ("2026-12-14T00:00"), from the cached rules
   */
  personalOffers: Array<{ name: string; until: string | null }>;
  /** active memberships (clubs, paid memberships) by their program's name */
  memberships: Array<{ name: string; validUntil: string | null }>;
  /** the card's program has rewards or pays points out as coupons at this store */
  canSpend: boolean;
  /** served offline from the card's token: the balance is as of this local time ("14:02") */
  asOf?: string;
  /** set right after the card was registered at this kiosk: its welcome bonus, or that it joined an existing account */
  registered?: { welcomeBonus: number | null; addedToAccount: boolean };
}

/** Something to spend points on: a reward of the program, or points off the next purchase. */
export interface Offer {
  /** `reward:<id>` or `points:<n>` */
  id: string;
  /** the reward's name; null for points off a purchase */
  name: string | null;
  points: number;
  /** what the coupon is worth at the till, in the program's currency */
  value: Money;
  affordable: boolean;
}

/** What the club entrance's screen says to one card. */
export interface EntranceView {
  allowed: boolean;
  reason: 'member' | 'not_a_member' | 'membership_expired' | 'card_blocked' | 'card_not_registered' | 'card_not_found';
  name: string | null;
  programName: string;
  validUntil: string | null;
  renewal: { fee: Money; periodMonths: number } | null;
}

/** Refusals and problems that end a journey: one screen each, in every language. */
export const NOTICES = [
  'notRecognised',
  'invalidNumber',
  'blocked',
  'unlinked',
  'offline',
  'tapFirst',
  'unknownCode',
  'receiptUsed',
  'receiptUnknown',
  'receiptForged',
  'receiptTooOld',
  'receiptLimit',
  'spendOffline',
  'offlineLimit',
  'offlineRetryOnline',
  'connectionLost',
  'notEnoughPoints',
  'noPhone',
  'codeExpired',
  'codeLocked',
  'codeLimit',
  'registerOffline',
  'registrationPending',
  'entranceOffline',
  'linkedElsewhere',
  /** signing in by phone: the number has no account (said only after its code was right) */
  'noAccount',
  /** a staff card the gateway no longer accepts (blocked, or not for this store) */
  'staffRefused',
  /** the journal could not be written (its storage is full): nothing was recorded, so nothing was done */
  'cannotRecord',
  'failed',
] as const;
export type Notice = (typeof NOTICES)[number];

export type View =
  | { screen: 'welcome'; entrance?: boolean }
  | { screen: 'reading' }
  | { screen: 'member'; member: MemberView }
  | { screen: 'collecting'; member: MemberView; estimate: number | null }
  | { screen: 'earned'; member: MemberView; pointsEarned: number }
  | { screen: 'earnPending'; member: MemberView }
  | { screen: 'rewards'; member: MemberView; offers: Offer[] }
  | { screen: 'redeeming'; member: MemberView }
  | { screen: 'enterCode'; member: MemberView; points: number; wrongCode: boolean }
  | { screen: 'coupon'; member: MemberView; coupon: CouponData; printed: boolean }
  | { screen: 'unregistered'; cardMasked: string; balance: number; canCollect: boolean }
  /** the phone number: for registering a card, or (`identify`) instead of a card */
  | { screen: 'enterPhone'; invalid: boolean; identify?: boolean }
  | { screen: 'registerCode'; phoneMasked: string; wrongCode: boolean; identify?: boolean }
  | { screen: 'enterName' }
  | { screen: 'linkToAccount' }
  | { screen: 'registering' }
  | { screen: 'notice'; notice: Notice; detail?: string }
  | { screen: 'entrance'; entry: EntranceView }
  | { screen: 'staff'; staff: StaffBadge; step: StaffStep; message?: StaffMessage }
  | { screen: 'outOfService' }
  | { screen: 'notPaired' };

/** Who is in staff mode, as the screen greets them (docs/staff.md). */
export interface StaffBadge {
  name: string;
  role: 'cashier' | 'manager';
}

/** The staff menu's actions; `exit` leaves staff mode. */
export const STAFF_ACTIONS = ['issue', 'replace', 'block', 'adjust', 'reprint', 'testPage', 'shiftReport', 'exit'] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

/** Where a staff action is: each step is one screen. */
export type StaffStep =
  | { kind: 'menu' }
  /** tap or scan the card to act on (block and adjust also take its number typed) */
  | { kind: 'tapCard'; purpose: 'issue' | 'block' | 'adjust' | 'replace' }
  /** the lost card's number, or find the customer by phone */
  | { kind: 'oldCard'; invalid: boolean }
  | { kind: 'findPhone'; invalid: boolean }
  | { kind: 'findCode'; phoneMasked: string; wrongCode: boolean }
  | { kind: 'pickCard'; cards: Array<{ number: string; masked: string; status: 'active' | 'blocked' | 'unlinked'; balance: number }> }
  | { kind: 'reason'; purpose: 'block' | 'replace' | 'adjust'; cardMasked: string; reasons: readonly string[] }
  /** "other": the reason in words, typed (the audit log keeps it) */
  | { kind: 'note'; cardMasked: string }
  | { kind: 'points'; cardMasked: string }
  /** the manager taps their card again to confirm an adjustment (step-up) */
  | { kind: 'confirmTap'; cardMasked: string; points: number }
  | { kind: 'working' };

/** What the last action came to, shown above the menu. */
export type StaffMessage =
  | { kind: 'blocked'; cardMasked: string; already: boolean }
  | { kind: 'blockPending'; cardMasked: string }
  | { kind: 'replaced'; oldMasked: string; newMasked: string; balance: number }
  | { kind: 'adjusted'; cardMasked: string; points: number; balance: number }
  | { kind: 'issued'; cardMasked: string; existingCustomer: boolean }
  | { kind: 'printed'; what: 'reprint' | 'testPage' | 'shiftReport' }
  | { kind: 'nothingToReprint' }
  | { kind: 'printerProblem' }
  | { kind: 'managerNeeded' }
  | { kind: 'onlineOnly' }
  /** the journal could not be written (its storage is full): nothing was done */
  | { kind: 'cannotRecord' }
  | { kind: 'pending' }
  | { kind: 'cardNotFound' }
  | { kind: 'alreadyRegistered'; cardMasked: string }
  /** the gateway refused: its code, and its message shown as it is */
  | { kind: 'refused'; code: string; detail: string };

export type ScreenName = View['screen'];

/** The view and what every screen needs around it. */
export interface Presentation {
  view: View;
  lang: Lang;
  /** the store's time zone (from its signed rules), for dates on screen and slips */
  timeZone: string;
  /** when the journey returns to the welcome screen by itself (epoch ms), for a visible countdown */
  idleAt: number | null;
  /** the last slip could not be printed */
  printerWarning: boolean;
  /** bumps on every change, so a page that reconnects knows it is current */
  seq: number;
}
