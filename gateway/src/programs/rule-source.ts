/**
 * Where the ledger gets a store's rules (docs/programs.md): the program service reads the store's
 * newest bundle; a store with no bundle earns by the built-in default program (config
 * `demoPointsPerUnit`, `ledger.*`), recorded as `builtin-default@v0`, so an install works before
 * its first program.
 */
import { Program, type ProgramInput, type RuleSet } from '@loyalty/protocol';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';

type Reader = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

export interface DefaultProgramOptions {
  /** points per whole currency unit */
  pointsPerUnit: number;
  expiryDays: number | null;
  pointValueMinor: number;
}

/** Where the ledger gets the rules for a purchase. */
export interface RuleSource {
  ruleSetFor(db: Reader, storeId: string, currency: string): Promise<RuleSet>;
}

export const DEFAULT_PROGRAM_ID = 'builtin-default';

const defaults = new Map<string, RuleSet>();

/** The built-in default as a program document, evaluated like any other (parsed once per store setting). */
export function defaultRuleSet(storeId: string, timezone: string, currency: string, options: DefaultProgramOptions): RuleSet {
  const key = JSON.stringify([storeId, timezone, currency, options]);
  const cached = defaults.get(key);
  if (cached) return cached;
  const program = Program.parse({
    kind: 'points',
    id: DEFAULT_PROGRAM_ID,
    name: 'Points',
    openTo: 'all_cards',
    currency,
    earn: { rate: { points: options.pointsPerUnit, per: 100, rounding: 'floor' } },
    redemption: { pointValue: options.pointValueMinor },
    expiry: options.expiryDays === null ? { policy: 'never' } : { policy: 'days_after_earning', days: options.expiryDays },
  } satisfies ProgramInput);
  const ruleSet: RuleSet = { version: 0, storeId, timezone, programs: [{ version: 0, program }] };
  if (defaults.size > 1000) defaults.clear();
  defaults.set(key, ruleSet);
  return ruleSet;
}
