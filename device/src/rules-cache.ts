/**
 * The store's signed rules bundle on the kiosk (issue 4): the newest version the gateway
 * published, kept on disk as the signed message itself so its signature is checked again
 * whenever it is loaded. An older version than the one held is refused, and so is a bundle
 * whose programs do not validate; either way the kiosk keeps the bundle it had. The agent uses
 * the rule set to tell a customer what a receipt will earn before the operation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidRuleSetError, RulesBundle, ruleSetFromBundle, type RuleSet } from '@loyalty/protocol';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

/** Verifies a raw signed rules message and returns its body, or null. */
export type RulesVerifier = (raw: string) => RulesBundle | null;

export type RulesRefusal = 'older_version' | 'invalid_programs' | 'bad_signature' | 'wrong_store';

export class RulesCache {
  private bundle: RulesBundle | null = null;
  private rules: RuleSet | null = null;

  constructor(
    private readonly path: string,
    private readonly storeId: string,
    private readonly verify: RulesVerifier,
    private readonly log: Logger,
  ) {}

  get version(): number | null {
    return this.bundle?.version ?? null;
  }

  /** The rule set in force, or null before the first bundle arrives. */
  get ruleSet(): RuleSet | null {
    return this.rules;
  }

  load(): void {
    if (!existsSync(this.path)) return;
    const bundle = this.verify(readFileSync(this.path, 'utf8'));
    if (!bundle) {
      this.log.error({ path: this.path }, 'the stored rules bundle fails its signature check; ignoring it until the gateway sends a new one');
      return;
    }
    const refusal = this.check(bundle);
    if (refusal) {
      this.log.error({ path: this.path, refusal }, 'the stored rules bundle cannot be used; ignoring it until the gateway sends a new one');
      return;
    }
    this.bundle = bundle;
    this.rules = ruleSetFromBundle(bundle);
  }

  /**
   * A bundle received from the broker (its envelope already verified): kept when newer than the
   * one held and valid. Its raw form is verified once more, as it will be when loaded from disk.
   */
  offer(bundle: RulesBundle, raw: string): { accepted: true } | { accepted: false; reason: RulesRefusal } {
    const refuse = (reason: RulesRefusal) => {
      if (!(reason === 'older_version' && bundle.version === this.bundle?.version)) this.log.warn({ offered: bundle.version, held: this.version, reason }, 'rules bundle refused; keeping the one held');
      return { accepted: false as const, reason };
    };
    if (this.verify(raw) === null) return refuse('bad_signature');
    if (this.bundle && bundle.version <= this.bundle.version) return refuse('older_version');
    const refusal = this.check(bundle);
    if (refusal) return refuse(refusal);
    writeFileDurably(this.path, raw, 0o600);
    this.bundle = bundle;
    this.rules = ruleSetFromBundle(bundle);
    this.log.info({ version: bundle.version, programs: bundle.programs.length }, 'rules bundle updated');
    return { accepted: true };
  }

  private check(bundle: RulesBundle): RulesRefusal | null {
    if (bundle.storeId !== this.storeId) return 'wrong_store';
    try {
      ruleSetFromBundle(bundle);
      return null;
    } catch (error) {
      if (error instanceof InvalidRuleSetError) return 'invalid_programs';
      throw error;
    }
  }
}

export function rulesVerifier(verifyEnvelope: (raw: string) => unknown | null): RulesVerifier {
  return (raw) => {
    const body = verifyEnvelope(raw);
    const parsed = RulesBundle.safeParse(body);
    return body !== null && parsed.success ? parsed.data : null;
  };
}
