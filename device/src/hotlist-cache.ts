/**
 * The store's card hotlist on the kiosk (issue 7): the newest signed version the gateway
 * published, kept on disk as the signed message itself, so the signature is checked again
 * whenever it is loaded. An older version than the one held is refused. The agent asks it before
 * contacting the gateway, so a blocked card is refused even while the kiosk is offline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Hotlist, type CardRef } from '@loyalty/protocol';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

/** Verifies a raw signed hotlist message and returns its body, or null. */
export type HotlistVerifier = (raw: string) => Hotlist | null;

export class HotlistCache {
  private current: Hotlist | null = null;
  private numbers = new Set<string>();
  private uids = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly verify: HotlistVerifier,
    private readonly log: Logger,
  ) {}

  get version(): number | null {
    return this.current?.version ?? null;
  }

  load(): void {
    if (!existsSync(this.path)) return;
    const hotlist = this.verify(readFileSync(this.path, 'utf8'));
    if (!hotlist) {
      this.log.error({ path: this.path }, 'the stored hotlist fails its signature check; ignoring it until the gateway sends a new one');
      return;
    }
    this.use(hotlist);
  }

  /** A hotlist received from the broker: kept when newer than the one held. */
  offer(hotlist: Hotlist, raw: string): boolean {
    if (this.current && hotlist.version <= this.current.version) {
      if (hotlist.version < this.current.version) this.log.warn({ offered: hotlist.version, held: this.current.version }, 'older hotlist refused');
      return false;
    }
    writeFileDurably(this.path, raw, 0o600);
    this.use(hotlist);
    this.log.info({ version: hotlist.version, blocked: hotlist.numbers.length }, 'hotlist updated');
    return true;
  }

  isBlocked(card: CardRef): boolean {
    return 'number' in card ? this.numbers.has(card.number) : this.uids.has(card.uid);
  }

  private use(hotlist: Hotlist): void {
    this.current = hotlist;
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
