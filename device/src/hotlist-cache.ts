/**
 * The store's card hotlist on the kiosk (docs/customers-and-cards.md "The hotlist"): the newest
 * signed version the gateway published, kept as the signed message (signed-cache.ts). The agent
 * asks it before contacting the gateway, so a blocked card is refused even while the kiosk is
 * offline.
 */
import { Hotlist, type CardRef } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { SignedVersionedCache } from './signed-cache.js';

/** Verifies a raw signed hotlist message and returns its body, or null. */
export type HotlistVerifier = (raw: string) => Hotlist | null;

export class HotlistCache {
  private readonly cache: SignedVersionedCache<Hotlist>;
  private numbers = new Set<string>();
  private uids = new Set<string>();

  constructor(
    path: string,
    verify: HotlistVerifier,
    private readonly log: Logger,
  ) {
    this.cache = new SignedVersionedCache({ path, name: 'hotlist', verify, log });
  }

  get version(): number | null {
    return this.cache.version;
  }

  load(): void {
    const hotlist = this.cache.load();
    if (hotlist) this.use(hotlist);
  }

  /** A hotlist received from the broker: kept when newer than the one held (true when kept). */
  offer(hotlist: Hotlist, raw: string): boolean {
    if (!this.cache.offer(hotlist, raw).accepted) return false;
    this.use(hotlist);
    this.log.info({ version: hotlist.version, blocked: hotlist.numbers.length }, 'hotlist updated');
    return true;
  }

  isBlocked(card: CardRef): boolean {
    return 'number' in card ? this.numbers.has(card.number) : this.uids.has(card.uid);
  }

  private use(hotlist: Hotlist): void {
    this.numbers = new Set(hotlist.numbers);
    this.uids = new Set(hotlist.uids);
  }
}

export function hotlistVerifier(verifyEnvelope: (raw: string) => unknown | null): HotlistVerifier {
  return (raw) => {
    const body = verifyEnvelope(raw);
    const parsed = Hotlist.safeParse(body);
    return body !== null && parsed.success ? parsed.data : null;
  };
}
