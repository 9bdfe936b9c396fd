/**
 * The rule evaluator (docs/programs.md): a pure function of (basket, member snapshot, rule set, now) that
 * says what a purchase gives, with every line explained in words fit for a receipt. The gateway
 * books exactly what it returns; a kiosk runs it on its cached bundle to tell a customer what they
 * will earn before the operation. Integer arithmetic only; rounding is stated where it happens
 * (docs/programs.md, "Rounding"):
 *
 * - discounts: per line, half up to the minor unit; the best single discount applies to a line;
 * - a points payment is spread over the lines in proportion (largest remainder);
 * - points: all earning on the basket is one exact fraction, rounded once by the program's mode;
 *   the receipt lines are whole numbers that add up to it;
 * - cashback: down to the minor unit.
 */
import { allocate, apportion, divide, formatMoney, formatMultiplier, formatPercent, percentOf } from './arithmetic.js';
import { birthdayOccurrence, expiryOf, promotionRunning } from './calendar.js';
import { promotionFor } from './segments.js';
import type { Benefits, CashbackProgram, DiscountProgram, MembershipProgram, PartnerProgram, PointsProgram, Program } from './schema.js';
import { levelId, qualifiedLevel, tierInForce } from './tiers.js';

export interface RuleSet {
  /** the signed bundle's version (0 when evaluated from programs that were not bundled) */
  version: number;
  storeId: string;
  timezone: string;
  programs: Array<{ version: number; program: Program }>;
}

export interface BasketItem {
  sku: string;
  category: string;
  quantity: number;
  unitPrice: number;
}

export interface Basket {
  storeId: string;
  currency: string;
  items: BasketItem[];
  redeemPoints?: number;
  /** a purchase made at a partner, who pays for the points */
  partnerId?: string;
  /** minor units the customer pays from their cashback wallet */
  walletPayment?: number;
}

export interface MemberSnapshot {
  /** the program the presented card was issued in */
  cardProgramId: string;
  /** points the member may spend now (balance less pending holds) */
  availablePoints: number;
  /** the held tier of the earning program */
  tier: { id: string | null; reviewAt: string | null };
  /** money paid over the tier window before this purchase, minor units */
  qualifyingSpend: number;
  /** earlier purchases (the first one gets the welcome and referral bonuses); the ledger reports 0 or 1 */
  purchases: number;
  /** YYYY-MM-DD */
  birthday: string | null;
  /** the birthday year a birthday bonus was last given for */
  birthdayBonusYear: number | null;
  /** the customer who referred this one, while the referral bonus is unpaid */
  referrerId: string | null;
  memberships: Array<{ programId: string; validUntil: string | null }>;
  /** purchase points earned so far today (store-local day), for a daily cap */
  earnedToday: number;
  /** the cashback wallet's balance in the basket's currency (0 when absent) */
  walletBalance?: number;
  /** the segments the member is in, of those the store's programs target (docs/segments.md) */
  segments?: string[];
}

export interface QuoteLine {
  /** `{programId}@v{version}` and the part of the program that gave it */
  rule: string;
  text: string;
  points?: number;
  amount?: number;
}

export interface QuotedItem extends BasketItem {
  total: number;
  discount: number;
  /** paid in money after discounts and points */
  paid: number;
}

export interface Quote {
  ruleSetVersion: number;
  currency: string;
  subtotal: number;
  discount: number;
  pointsRedeemed: number;
  redemptionValue: number;
  /** paid from the cashback wallet */
  walletPaid: number;
  /** what is left to pay in money */
  payable: number;
  pointsEarned: number;
  /** the part of pointsEarned that comes from the purchase itself (what daily caps count) */
  purchasePoints: number;
  lots: Array<{ points: number; expiresAt: string | null }>;
  pointsRedeemable: number;
  cashback: { amount: number; currency: string } | null;
  tier: { before: string | null; after: string | null; reviewAt: string; qualifyingSpend: number } | null;
  welcomeBonus: boolean;
  birthdayBonusYear: number | null;
  referral: { referrerId: string; points: number } | null;
  partner: { id: string; programId: string; version: number } | null;
  /** the points program the points are booked in, as `{id}@v{version}` */
  earningRule: string | null;
  items: QuotedItem[];
  lines: QuoteLine[];
}

export type EvaluationErrorCode =
  | 'insufficient_points'
  | 'insufficient_wallet'
  | 'wallet_exceeds_payable'
  | 'redemption_not_offered'
  | 'redemption_limit'
  | 'redemption_below_minimum'
  | 'currency_not_supported'
  | 'partner_not_found'
  | 'invalid_basket';

/** A basket the rules refuse; `code` is the API error code. */
export class EvaluationError extends Error {
  constructor(
    readonly code: EvaluationErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'EvaluationError';
  }
}

export interface Versioned<P extends Program> {
  version: number;
  program: P;
}

const ref = (p: Versioned<Program>) => `${p.program.id}@v${p.version}`;

/** The points program a card earns in: its own, or else one open to every card. */
export function earningProgram(rules: RuleSet, cardProgramId: string): Versioned<PointsProgram> | null {
  const points = rules.programs.filter((p): p is Versioned<PointsProgram> => p.program.kind === 'points');
  return points.find((p) => p.program.id === cardProgramId) ?? points.find((p) => p.program.openTo === 'all_cards') ?? null;
}

export function evaluate(basket: Basket, member: MemberSnapshot, rules: RuleSet, nowMs: number): Quote {
  checkBasket(basket);
  const tz = rules.timezone;
  const memberOf = new Set([member.cardProgramId, ...member.memberships.filter((m) => m.validUntil === null || Date.parse(m.validUntil) > nowMs).map((m) => m.programId)]);
  const applies = (p: Versioned<Program>) => p.program.openTo === 'all_cards' || memberOf.has(p.program.id);
  const ofKind = <K extends Program['kind']>(kind: K) => rules.programs.filter((p): p is Versioned<Extract<Program, { kind: K }>> => p.program.kind === kind);

  const earning = earningProgram(rules, member.cardProgramId);
  if (earning && earning.program.currency !== basket.currency) {
    throw new EvaluationError('currency_not_supported', `${earning.program.name} earns on ${earning.program.currency}; this basket is in ${basket.currency}`);
  }
  const lines: QuoteLine[] = [];
  const items: QuotedItem[] = basket.items.map((item) => ({ ...item, total: item.unitPrice * item.quantity, discount: 0, paid: 0 }));
  const subtotal = items.reduce((sum, i) => sum + i.total, 0);

  if (basket.partnerId !== undefined) return partnerPurchase(basket, rules, nowMs, earning, ofKind('partner'), items, subtotal);

  // Tier in force when the customer pays: its benefits apply to this purchase.
  const tiers = earning?.program.tiers;
  const tierNow = tiers ? tierInForce(tiers, member.tier, member.qualifyingSpend, nowMs, tz) : null;
  const tierLevel = tiers && tierNow && tierNow.index >= 0 ? tiers.levels[tierNow.index]! : null;
  const memberships = [...ofKind('club'), ...ofKind('paid_membership')].filter(applies) as Array<Versioned<MembershipProgram>>;

  applyDiscounts(items, lines, basket.currency, {
    discountPrograms: ofKind('discount').filter(applies),
    tier: tierLevel && earning ? { rule: `${ref(earning)}:tier:${tierLevel.id}`, name: tierLevel.name, benefits: tierLevel.benefits } : null,
    memberships,
    tierId: tierLevel?.id ?? null,
  });
  const discount = items.reduce((sum, i) => sum + i.discount, 0);
  const afterDiscount = subtotal - discount;

  // Paying with points.
  const redemption = earning?.program.redemption;
  let pointsRedeemable = 0;
  if (redemption) {
    const share = percentOf(afterDiscount, redemption.maxBasketShare, 'floor');
    pointsRedeemable = Math.min(member.availablePoints, Math.floor(share / redemption.pointValue));
    if (pointsRedeemable < redemption.minimumPoints) pointsRedeemable = 0;
  }
  const pointsRedeemed = basket.redeemPoints ?? 0;
  let redemptionValue = 0;
  if (pointsRedeemed > 0) {
    if (!earning || !redemption) throw new EvaluationError('redemption_not_offered', 'points cannot pay for purchases in this store');
    if (pointsRedeemed > member.availablePoints) throw new EvaluationError('insufficient_points', `only ${member.availablePoints} points are available`, { available: member.availablePoints });
    if (pointsRedeemed < redemption.minimumPoints)
      throw new EvaluationError('redemption_below_minimum', `at least ${redemption.minimumPoints} points at a time`, { minimumPoints: redemption.minimumPoints });
    if (pointsRedeemed > pointsRedeemable) {
      throw new EvaluationError('redemption_limit', `at most ${pointsRedeemable} points can pay for this basket (${formatPercent(redemption.maxBasketShare)} of it)`, { redeemable: pointsRedeemable });
    }
    redemptionValue = pointsRedeemed * redemption.pointValue;
    lines.push({ rule: `${ref(earning)}:redemption`, text: `${pointsRedeemed} points paid ${formatMoney(redemptionValue, basket.currency)}`, points: -pointsRedeemed, amount: -redemptionValue });
  }
  const shares = allocate(
    redemptionValue,
    items.map((i) => i.total - i.discount),
  );
  for (const [i, item] of items.entries()) item.paid = item.total - item.discount - shares[i]!;
  // Paying from the cashback wallet: it is the operator's money given back, so like points it
  // earns no points or cashback; spread over the lines the same way.
  const walletPaid = basket.walletPayment ?? 0;
  if (walletPaid > 0) {
    const balance = member.walletBalance ?? 0;
    if (walletPaid > balance) throw new EvaluationError('insufficient_wallet', `the wallet holds ${formatMoney(balance, basket.currency)}`, { available: balance });
    if (walletPaid > afterDiscount - redemptionValue)
      throw new EvaluationError('wallet_exceeds_payable', `at most ${formatMoney(afterDiscount - redemptionValue, basket.currency)} is left to pay`, { payable: afterDiscount - redemptionValue });
    const walletShares = allocate(
      walletPaid,
      items.map((i) => i.paid),
    );
    for (const [i, item] of items.entries()) item.paid -= walletShares[i]!;
    lines.push({ rule: `wallet:${basket.currency}`, text: `Wallet paid ${formatMoney(walletPaid, basket.currency)}`, amount: -walletPaid });
  }
  const payable = afterDiscount - redemptionValue - walletPaid;

  // Earning on what was paid in money.
  let pointsEarned = 0;
  let fromPurchase = 0;
  let welcomeBonus = false;
  let birthdayBonusYear: number | null = null;
  let referral: Quote['referral'] = null;
  if (earning) {
    const promotions = earning.program.promotions.filter((p) => promotionRunning(p, basket.storeId, nowMs, tz) && promotionFor(p, member));
    const benefitMultipliers = [
      ...(tierLevel?.benefits.earnMultiplier ? [{ rule: `${ref(earning)}:tier:${tierLevel.id}`, name: `${tierLevel.name} tier`, multiplier: tierLevel.benefits.earnMultiplier }] : []),
      ...memberships.filter((m) => m.program.benefits.earnMultiplier).map((m) => ({ rule: `${ref(m)}:benefit`, name: m.program.name, multiplier: m.program.benefits.earnMultiplier! })),
    ];
    fromPurchase = purchasePoints(earning, items, lines, basket.currency, member.earnedToday, promotions, benefitMultipliers);
    pointsEarned += fromPurchase;

    const bonuses = earning.program.bonuses;
    const firstPurchase = member.purchases === 0;
    if (bonuses.welcome && firstPurchase) {
      welcomeBonus = true;
      pointsEarned += bonuses.welcome.points;
      lines.push({ rule: `${ref(earning)}:welcome`, text: `Welcome bonus: ${bonuses.welcome.points} points`, points: bonuses.welcome.points });
    }
    if (bonuses.referral && firstPurchase && member.referrerId !== null) {
      if (bonuses.referral.refereePoints > 0) {
        pointsEarned += bonuses.referral.refereePoints;
        lines.push({ rule: `${ref(earning)}:referral`, text: `Referral bonus: ${bonuses.referral.refereePoints} points`, points: bonuses.referral.refereePoints });
      }
      if (bonuses.referral.referrerPoints > 0) referral = { referrerId: member.referrerId, points: bonuses.referral.referrerPoints };
    }
    if (bonuses.birthday && member.birthday) {
      const year = birthdayOccurrence(member.birthday, bonuses.birthday.windowDays, nowMs, tz);
      if (year !== null && year !== member.birthdayBonusYear) {
        birthdayBonusYear = year;
        pointsEarned += bonuses.birthday.points;
        lines.push({ rule: `${ref(earning)}:birthday`, text: `Happy birthday! ${bonuses.birthday.points} points`, points: bonuses.birthday.points });
      }
    }
  }

  const cashback = cashbackFor(ofKind('cashback').filter(applies), items, basket.currency, lines);

  let tier: Quote['tier'] = null;
  if (tiers && tierNow && earning) {
    const spendAfter = member.qualifyingSpend + payable;
    const after = Math.max(tierNow.index, qualifiedLevel(tiers, spendAfter));
    if (after > tierNow.index) lines.push({ rule: `${ref(earning)}:tier:${levelId(tiers, after)}`, text: `You have reached ${tiers.levels[after]!.name}` });
    tier = { before: levelId(tiers, tierNow.index), after: levelId(tiers, after), reviewAt: new Date(tierNow.reviewAt).toISOString(), qualifyingSpend: spendAfter };
  }

  return {
    ruleSetVersion: rules.version,
    currency: basket.currency,
    subtotal,
    discount,
    pointsRedeemed,
    redemptionValue,
    walletPaid,
    payable,
    pointsEarned,
    purchasePoints: fromPurchase,
    lots: earning && pointsEarned > 0 ? [{ points: pointsEarned, expiresAt: expiryOf(earning.program.expiry, nowMs, tz) }] : [],
    pointsRedeemable,
    cashback,
    tier,
    welcomeBonus,
    birthdayBonusYear,
    referral,
    partner: null,
    earningRule: earning ? ref(earning) : null,
    items,
    lines,
  };
}

function checkBasket(basket: Basket): void {
  if (basket.items.length === 0) throw new EvaluationError('invalid_basket', 'a basket has at least one item');
  for (const item of basket.items) {
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0) throw new EvaluationError('invalid_basket', `quantity of ${item.sku} must be a positive integer`);
    if (!Number.isSafeInteger(item.unitPrice) || item.unitPrice < 0) throw new EvaluationError('invalid_basket', `unitPrice of ${item.sku} must be integer minor units`);
  }
  const total = basket.items.reduce((sum, i) => sum + i.unitPrice * i.quantity, 0);
  if (!Number.isSafeInteger(total)) throw new EvaluationError('invalid_basket', 'the basket total is too large');
  if (basket.redeemPoints !== undefined && (!Number.isSafeInteger(basket.redeemPoints) || basket.redeemPoints < 0))
    throw new EvaluationError('invalid_basket', 'redeemPoints must be a whole number ≥ 0');
  if (basket.walletPayment !== undefined && (!Number.isSafeInteger(basket.walletPayment) || basket.walletPayment < 0))
    throw new EvaluationError('invalid_basket', 'walletPayment must be whole minor units ≥ 0');
}

interface DiscountSource {
  rule: string;
  name: string;
  basisPoints: number;
  excluded: readonly string[];
}

/** The best single discount per line (discounts do not stack), one receipt line per source used. */
function applyDiscounts(
  items: QuotedItem[],
  lines: QuoteLine[],
  currency: string,
  sources: {
    discountPrograms: Array<Versioned<DiscountProgram>>;
    tier: { rule: string; name: string; benefits: Benefits } | null;
    memberships: Array<Versioned<MembershipProgram>>;
    tierId: string | null;
  },
): void {
  const candidates: DiscountSource[] = [
    ...sources.discountPrograms.map((p) => ({
      rule: ref(p),
      name: p.program.name,
      basisPoints: (sources.tierId !== null ? p.program.byTier[sources.tierId] : undefined) ?? p.program.percent,
      excluded: p.program.excludedCategories,
    })),
    ...(sources.tier?.benefits.discountPercent
      ? [{ rule: sources.tier.rule, name: `${sources.tier.name} tier`, basisPoints: sources.tier.benefits.discountPercent, excluded: sources.tier.benefits.discountExcludedCategories }]
      : []),
    ...sources.memberships
      .filter((m) => m.program.benefits.discountPercent)
      .map((m) => ({ rule: `${ref(m)}:benefit`, name: m.program.name, basisPoints: m.program.benefits.discountPercent!, excluded: m.program.benefits.discountExcludedCategories })),
  ].filter((s) => s.basisPoints > 0);
  const given = new Map<DiscountSource, number>();
  for (const item of items) {
    let best: DiscountSource | null = null;
    for (const source of candidates) if (!source.excluded.includes(item.category) && (!best || source.basisPoints > best.basisPoints)) best = source;
    if (!best) continue;
    item.discount = percentOf(item.total, best.basisPoints);
    given.set(best, (given.get(best) ?? 0) + item.discount);
  }
  for (const source of candidates) {
    const amount = given.get(source);
    if (amount) lines.push({ rule: source.rule, text: `${source.name} ${formatPercent(source.basisPoints)} off: -${formatMoney(amount, currency)}`, amount: -amount });
  }
}

interface MultiplierSource {
  rule: string;
  name: string;
  multiplier: number;
}

/**
 * Points for what was paid: base rate plus each multiplier's extra (additive: a double-points
 * promotion on a Gold member's ×1.5 earns ×2.5), one fraction over the basket rounded once, then
 * flat promotion bonuses, then the caps.
 */
function purchasePoints(
  earning: Versioned<PointsProgram>,
  items: QuotedItem[],
  lines: QuoteLine[],
  currency: string,
  earnedToday: number,
  promotions: PointsProgram['promotions'],
  benefits: MultiplierSource[],
): number {
  const { earn } = earning.program;
  const rule = ref(earning);
  const eligible = items.filter((i) => !earn.excludedCategories.includes(i.category));
  const eligibleSpend = eligible.reduce((sum, i) => sum + i.paid, 0);
  if (eligibleSpend === 0) return 0;
  if (eligibleSpend < earn.minimumPurchase) {
    lines.push({ rule: `${rule}:minimum`, text: `Points from ${formatMoney(earn.minimumPurchase, currency)} of eligible spend`, points: 0 });
    return 0;
  }
  // Numerators over the common denominator rate.per × 100 (multipliers are in hundredths).
  const denominator = BigInt(earn.rate.per) * 100n;
  const rate = BigInt(earn.rate.points);
  const components = new Map<string, { text: string; numerator: bigint }>();
  const add = (key: string, text: string, paid: number, extraHundredths: number) => {
    const c = components.get(key) ?? { text, numerator: 0n };
    c.numerator += BigInt(paid) * rate * BigInt(extraHundredths);
    components.set(key, c);
  };
  const base = `${rule}:base`;
  const baseText = `Points: ${earn.rate.points} per ${formatMoney(earn.rate.per, currency)}`;
  components.set(base, { text: baseText, numerator: 0n });
  for (const item of eligible) {
    add(base, baseText, item.paid, 100);
    const categoryMultiplier = earn.categoryMultipliers[item.category];
    if (categoryMultiplier !== undefined && categoryMultiplier !== 100)
      add(`${rule}:category:${item.category}`, `${item.category} ${formatMultiplier(categoryMultiplier)}`, item.paid, categoryMultiplier - 100);
    for (const promotion of promotions) {
      if (promotion.multiplier && (!promotion.categories || promotion.categories.includes(item.category)))
        add(`${rule}:promotion:${promotion.id}`, `${promotion.name} ${formatMultiplier(promotion.multiplier)}`, item.paid, promotion.multiplier - 100);
    }
    for (const benefit of benefits) add(benefit.rule, `${benefit.name} ${formatMultiplier(benefit.multiplier)}`, item.paid, benefit.multiplier - 100);
  }
  const parts = [...components.entries()];
  const total = divide(
    parts.reduce((sum, [, c]) => sum + c.numerator, 0n),
    denominator,
    earn.rate.rounding,
  );
  const shares = apportion(
    parts.map(([, c]) => c.numerator),
    denominator,
    total,
  );
  let points = total;
  parts.forEach(([key, c], i) => {
    if (shares[i] !== 0 || key === base) lines.push({ rule: key, text: c.text, points: shares[i]! });
  });
  for (const promotion of promotions) {
    if (promotion.bonusPoints && (!promotion.categories || eligible.some((i) => promotion.categories!.includes(i.category)))) {
      points += promotion.bonusPoints;
      lines.push({ rule: `${rule}:promotion:${promotion.id}`, text: `${promotion.name}: +${promotion.bonusPoints} points`, points: promotion.bonusPoints });
    }
  }
  const caps = [
    ...(earn.caps.perPurchase !== undefined ? [{ limit: earn.caps.perPurchase, key: 'per_purchase', text: `Limit ${earn.caps.perPurchase} points per purchase` }] : []),
    ...(earn.caps.perDay !== undefined ? [{ limit: Math.max(0, earn.caps.perDay - earnedToday), key: 'per_day', text: `Limit ${earn.caps.perDay} points per day` }] : []),
  ];
  for (const cap of caps) {
    if (points > cap.limit) {
      lines.push({ rule: `${rule}:cap:${cap.key}`, text: cap.text, points: cap.limit - points });
      points = cap.limit;
    }
  }
  return points;
}

function cashbackFor(programs: Array<Versioned<CashbackProgram>>, items: QuotedItem[], currency: string, lines: QuoteLine[]): Quote['cashback'] {
  let amount = 0;
  for (const p of programs) {
    if (p.program.currency !== currency) continue;
    const base = items.filter((i) => !p.program.excludedCategories.includes(i.category)).reduce((sum, i) => sum + i.paid, 0);
    if (base === 0 || base < p.program.minimumPurchase) continue;
    let back = percentOf(base, p.program.percent, 'floor');
    if (p.program.maxPerPurchase !== undefined) back = Math.min(back, p.program.maxPerPurchase);
    if (back === 0) continue;
    amount += back;
    lines.push({ rule: ref(p), text: `${p.program.name} ${formatPercent(p.program.percent)} back: ${formatMoney(back, currency)}`, amount: back });
  }
  return amount > 0 ? { amount, currency } : null;
}

/** At a partner: the partner's rate on the whole basket, booked against the partner; nothing else. */
function partnerPurchase(
  basket: Basket,
  rules: RuleSet,
  nowMs: number,
  earning: Versioned<PointsProgram> | null,
  partners: Array<Versioned<PartnerProgram>>,
  items: QuotedItem[],
  subtotal: number,
): Quote {
  const partner = partners.find((p) => p.program.partner.id === basket.partnerId && p.program.earnsInto === earning?.program.id);
  if (!partner || !earning) throw new EvaluationError('partner_not_found', `no partner ${basket.partnerId} earns into this card's program here`);
  if (basket.redeemPoints || basket.walletPayment) throw new EvaluationError('redemption_not_offered', 'points and the wallet cannot pay at a partner');
  for (const item of items) item.paid = item.total;
  const { rate } = partner.program;
  const points = divide(BigInt(subtotal) * BigInt(rate.points), BigInt(rate.per), rate.rounding);
  const lines: QuoteLine[] = [{ rule: ref(partner), text: `${partner.program.partner.name}: ${rate.points} points per ${formatMoney(rate.per, basket.currency)}`, points }];
  return {
    ruleSetVersion: rules.version,
    currency: basket.currency,
    subtotal,
    discount: 0,
    pointsRedeemed: 0,
    redemptionValue: 0,
    walletPaid: 0,
    payable: subtotal,
    pointsEarned: points,
    purchasePoints: points,
    lots: points > 0 ? [{ points, expiresAt: expiryOf(earning.program.expiry, nowMs, rules.timezone) }] : [],
    pointsRedeemable: 0,
    cashback: null,
    tier: null,
    welcomeBonus: false,
    birthdayBonusYear: null,
    referral: null,
    partner: { id: partner.program.partner.id, programId: partner.program.id, version: partner.version },
    earningRule: ref(earning),
    items,
    lines,
  };
}
