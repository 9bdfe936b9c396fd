/**
 * Integer arithmetic for the evaluator. Amounts are minor units, rates are integers (basis points,
 * hundredths), and a fraction is rounded exactly once, by a stated mode. Products go through
 * BigInt so a large basket times a rate times a multiplier cannot lose precision.
 */
import type { Rounding } from './schema.js';

/** numerator / denominator rounded by `mode` (both non-negative, denominator > 0). */
export function divide(numerator: bigint, denominator: bigint, mode: Rounding): number {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const q = numerator / denominator;
  const r = numerator % denominator;
  if (r === 0n) return Number(q);
  if (mode === 'floor') return Number(r < 0n ? q - 1n : q);
  if (mode === 'ceil') return Number(r > 0n ? q + 1n : q);
  // half up: x.5 goes up
  return Number(2n * r >= denominator ? q + 1n : q);
}

/** amount × basisPoints / 10 000, rounded half up: the money rounding of discounts. */
export function percentOf(amount: number, basisPoints: number, mode: Rounding = 'half_up'): number {
  return divide(BigInt(amount) * BigInt(basisPoints), 10_000n, mode);
}

/**
 * Splits `total` over `weights` in proportion, in whole units, so the shares sum to exactly
 * `total` (largest remainder; ties go to the earlier weight). Used to spread a points payment
 * over the basket's lines.
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const shares = exact.map((e) => Number(e / BigInt(sum)));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e % BigInt(sum) })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

/**
 * Whole-number parts of exact fractions n_i / d that add up to `total` (which must lie between
 * Σ floor and Σ ceil): each part is floored and the remainder goes to the largest fractional
 * parts, earlier first. Receipt lines use it so that the lines sum to the rounded total.
 */
export function apportion(numerators: bigint[], denominator: bigint, total: number): number[] {
  const parts = numerators.map((n) => Number(n >= 0n ? n / denominator : (n - denominator + 1n) / denominator));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = numerators.map((n, i) => ({ i, r: ((n % denominator) + denominator) % denominator })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** "12.40 EUR" for receipts: minor units with two decimals (the currencies the stores use). */
export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

/** "7.5%" from basis points. */
export function formatPercent(basisPoints: number): string {
  return `${basisPoints / 100}%`;
}

/** "x1.5" from hundredths. */
export function formatMultiplier(hundredths: number): string {
  return `x${hundredths / 100}`;
}
