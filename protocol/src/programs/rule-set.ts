/**
 * From a signed bundle to the rule set the evaluator reads. Both sides go through this one
 * function: the gateway with the documents it is about to publish, the kiosk with the bundle it
 * received, so they evaluate the very same parsed programs.
 */
import type { RulesBundle } from '../messages.js';
import type { Basket, RuleSet } from './evaluate.js';
import type { ReceiptRef } from '../messages.js';
import { Program } from './schema.js';
import { isKnownTimeZone } from './zoned-time.js';

export class InvalidRuleSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRuleSetError';
  }
}

export function ruleSetFromBundle(bundle: RulesBundle): RuleSet {
  if (!isKnownTimeZone(bundle.timezone)) throw new InvalidRuleSetError(`unknown time zone ${bundle.timezone}`);
  const programs = bundle.programs.map(({ version, document }) => {
    const parsed = Program.safeParse(document);
    if (!parsed.success) throw new InvalidRuleSetError(`program ${String(document.id)} v${version} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return { version, program: parsed.data };
  });
  return { version: bundle.version, storeId: bundle.storeId, timezone: bundle.timezone, programs };
}

/**
 * A till receipt scanned at a kiosk as a basket: one line of its total in the category `receipt`
 * (the receipt code carries no items). The kiosk's estimate and the gateway's booking use this.
 */
export function receiptBasket(storeId: string, receipt: ReceiptRef): Basket {
  return { storeId, currency: receipt.total.currency, items: [{ sku: `receipt:${receipt.id}`, category: 'receipt', quantity: 1, unitPrice: receipt.total.amount }] };
}
