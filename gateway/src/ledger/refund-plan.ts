/**
 * How many points a refund reverses: pro rata to the value refunded, computed on the running
 * total so that several partial refunds add up to exactly what the purchase earned (no point
 * lost or invented by rounding). Pure.
 */
import { LedgerError } from './errors.js';

export interface PurchaseItem {
  sku: string;
  category: string;
  quantity: number;
  unitPrice: number;
}

export interface RefundPlan {
  items: Array<{ sku: string; quantity: number }>;
  /** value refunded now, in minor units */
  value: number;
  /** points to reverse now */
  points: number;
}

export function planRefund(
  purchase: { items: PurchaseItem[]; total: number; pointsEarned: number },
  earlier: Array<{ items: Array<{ sku: string; quantity: number }>; pointsReversed: number }>,
  requested?: Array<{ sku: string; quantity: number }>,
): RefundPlan {
  const bought = new Map<string, { quantity: number; unitPrice: number }>();
  for (const item of purchase.items) {
    const line = bought.get(item.sku) ?? { quantity: 0, unitPrice: item.unitPrice };
    // Lines of the same SKU are merged at their average price.
    const value = line.quantity * line.unitPrice + item.quantity * item.unitPrice;
    line.quantity += item.quantity;
    line.unitPrice = line.quantity ? value / line.quantity : item.unitPrice;
    bought.set(item.sku, line);
  }
  const alreadyRefunded = new Map<string, number>();
  for (const refund of earlier) for (const item of refund.items) alreadyRefunded.set(item.sku, (alreadyRefunded.get(item.sku) ?? 0) + item.quantity);

  const left = (sku: string) => (bought.get(sku)?.quantity ?? 0) - (alreadyRefunded.get(sku) ?? 0);
  const items = requested ?? [...bought.keys()].map((sku) => ({ sku, quantity: left(sku) })).filter((i) => i.quantity > 0);
  for (const item of items) {
    if (!bought.has(item.sku)) throw new LedgerError('refund_exceeds_purchase', `SKU ${item.sku} is not in this purchase`);
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0) throw new LedgerError('invalid_request', `quantity for ${item.sku} must be a positive integer`);
    if (item.quantity > left(item.sku)) throw new LedgerError('refund_exceeds_purchase', `only ${left(item.sku)} of ${item.sku} are left to refund`);
  }
  if (items.length === 0) throw new LedgerError('refund_exceeds_purchase', 'everything in this purchase was already refunded');

  const worth = (list: Array<{ sku: string; quantity: number }>) => list.reduce((sum, i) => sum + i.quantity * bought.get(i.sku)!.unitPrice, 0);
  const earlierValue = worth([...alreadyRefunded].map(([sku, quantity]) => ({ sku, quantity })));
  const value = Math.round(worth(items));
  const reversedBefore = earlier.reduce((sum, r) => sum + r.pointsReversed, 0);
  const cumulative = purchase.total === 0 ? 0 : Math.floor((purchase.pointsEarned * Math.round(earlierValue + worth(items))) / purchase.total);
  return { items, value, points: Math.max(0, cumulative - reversedBefore) };
}
