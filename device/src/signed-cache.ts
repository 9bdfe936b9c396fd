/**
 * What the kiosk keeps of a signed, versioned message the gateway publishes retained (the rules
 * bundle, the hotlist): the newest version accepted, kept on disk as the signed message itself,
 * so its signature is checked again whenever it is loaded. An older version than the one held is
 * refused, and so is a message whose raw form does not verify or that `check` refuses; either way
 * the cache keeps what it had. The rules and hotlist caches add their own views on top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

export type CacheRefusal<R extends string> = 'older_version' | 'bad_signature' | R;

export interface SignedCacheOptions<T, R extends string> {
  path: string;
  /** what it is, for log lines: "rules bundle", "hotlist" */
  name: string;
  /** verifies a raw signed message and returns its body, or null */
  verify: (raw: string) => T | null;
  /** a reason to refuse a verified body (wrong store, programs that do not validate), or null */
  check?: (body: T) => R | null;
  log: Logger;
}

export class SignedVersionedCache<T extends { version: number }, R extends string = never> {
  private body: T | null = null;

  constructor(private readonly options: SignedCacheOptions<T, R>) {}

  get current(): T | null {
    return this.body;
  }

  get version(): number | null {
    return this.body?.version ?? null;
  }

  /** Loads the stored message, if any, verifying it again; returns what is held. */
  load(): T | null {
    const { path, name, log } = this.options;
    if (!existsSync(path)) return null;
    const body = this.options.verify(readFileSync(path, 'utf8'));
    if (!body) {
      log.error({ path }, `the stored ${name} fails its signature check; ignoring it until the gateway sends a new one`);
      return null;
    }
    const refusal = this.options.check?.(body) ?? null;
    if (refusal) {
      log.error({ path, refusal }, `the stored ${name} cannot be used; ignoring it until the gateway sends a new one`);
      return null;
    }
    this.body = body;
    return body;
  }

  /**
   * A message received from the broker (its envelope already verified): kept when newer than the
   * one held and accepted by `check`. Its raw form is verified once more, as it will be when loaded.
   */
  offer(body: T, raw: string): { accepted: true } | { accepted: false; reason: CacheRefusal<R> } {
    const refuse = (reason: CacheRefusal<R>) => {
      // The same version again is a retained redelivery, not worth a warning.
      if (!(reason === 'older_version' && body.version === this.version))
        this.options.log.warn({ offered: body.version, held: this.version, reason }, `${this.options.name} refused; keeping the one held`);
      return { accepted: false as const, reason };
    };
    if (this.options.verify(raw) === null) return refuse('bad_signature');
    if (this.body && body.version <= this.body.version) return refuse('older_version');
    const refusal = this.options.check?.(body) ?? null;
    if (refusal) return refuse(refusal);
    writeFileDurably(this.options.path, raw, 0o600);
    this.body = body;
    return { accepted: true };
  }
}
