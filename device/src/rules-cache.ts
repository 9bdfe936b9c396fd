/**
 * The store's signed rules bundle on the kiosk (docs/programs.md "The kiosk"): the newest version
 * the gateway published, kept as the signed message (signed-cache.ts). A bundle for another store
 * or whose programs do not validate is refused too; the kiosk keeps the bundle it had. The agent
 * uses the rule set to tell a customer what a receipt will earn before the operation.
 */
import { InvalidRuleSetError, RulesBundle, ruleSetFromBundle, type RuleSet } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { SignedVersionedCache, type CacheRefusal } from './signed-cache.js';

/** Verifies a raw signed rules message and returns its body, or null. */
export type RulesVerifier = (raw: string) => RulesBundle | null;

export type RulesRefusal = CacheRefusal<'invalid_programs' | 'wrong_store'>;

export class RulesCache {
  private readonly cache: SignedVersionedCache<RulesBundle, 'invalid_programs' | 'wrong_store'>;
  private rules: RuleSet | null = null;

  constructor(
    path: string,
    storeId: string,
    verify: RulesVerifier,
    private readonly log: Logger,
  ) {
    this.cache = new SignedVersionedCache({ path, name: 'rules bundle', verify, log, check: (bundle) => check(bundle, storeId) });
  }

  get version(): number | null {
    return this.cache.version;
  }

  /** The rule set in force, or null before the first bundle arrives. */
  get ruleSet(): RuleSet | null {
    return this.rules;
  }

  load(): void {
    const bundle = this.cache.load();
    if (bundle) this.rules = ruleSetFromBundle(bundle);
  }

  offer(bundle: RulesBundle, raw: string): { accepted: true } | { accepted: false; reason: RulesRefusal } {
    const outcome = this.cache.offer(bundle, raw);
    if (outcome.accepted) {
      this.rules = ruleSetFromBundle(bundle);
      this.log.info({ version: bundle.version, programs: bundle.programs.length }, 'rules bundle updated');
    }
    return outcome;
  }
}

function check(bundle: RulesBundle, storeId: string): 'invalid_programs' | 'wrong_store' | null {
  if (bundle.storeId !== storeId) return 'wrong_store';
  try {
    ruleSetFromBundle(bundle);
    return null;
  } catch (error) {
    if (error instanceof InvalidRuleSetError) return 'invalid_programs';
    throw error;
  }
}

export function rulesVerifier(verifyEnvelope: (raw: string) => unknown | null): RulesVerifier {
  return (raw) => {
    const body = verifyEnvelope(raw);
    const parsed = RulesBundle.safeParse(body);
    return body !== null && parsed.success ? parsed.data : null;
  };
}
