/**
 * The card tokens this kiosk has seen (docs/offline.md): the newest signed token per card, kept on
 * disk (mode 0600) so a kiosk restarted during a partition still has them, bounded, the least
 * recently used out first. A token is stored as it came; its signature is checked when it is used
 * (card-token.ts), so a file altered on disk yields refusals, never a balance.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CardTokenClaims, type CardRef } from '@loyalty/protocol';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

export const DEFAULT_TOKEN_CACHE_SIZE = 5000;

interface Entry {
  /** the card's number (the key) and, when the token names it, its UID */
  number: string;
  uid?: string;
  token: string;
}

export class TokenCache {
  /** by card number, oldest use first (a Map keeps insertion order) */
  private readonly byNumber = new Map<string, Entry>();
  private readonly numberOfUid = new Map<string, string>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
    private readonly maxCards = DEFAULT_TOKEN_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.byNumber.size;
  }

  load(): void {
    if (!existsSync(this.path)) return;
    try {
      const entries = JSON.parse(readFileSync(this.path, 'utf8')) as Entry[];
      for (const entry of entries) if (typeof entry?.token === 'string' && typeof entry.number === 'string') this.put(entry);
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'the stored card tokens cannot be read; starting with none');
    }
  }

  /** Keeps a token the gateway just sent with an identify reply (its card read from its claims). */
  remember(token: string): void {
    const claims = readClaims(token);
    if (!claims) return;
    this.put({ number: claims.card.number, ...(claims.card.uid ? { uid: claims.card.uid } : {}), token });
    this.scheduleSave();
  }

  /** The stored token for a tapped or scanned card, or null; its use makes it the most recent. */
  tokenFor(card: CardRef): string | null {
    const number = 'number' in card ? card.number : this.numberOfUid.get(card.uid);
    const entry = number === undefined ? undefined : this.byNumber.get(number);
    if (!entry) return null;
    this.byNumber.delete(entry.number);
    this.byNumber.set(entry.number, entry);
    return entry.token;
  }

  /** Writes what is pending now (at stop). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    writeFileDurably(this.path, JSON.stringify([...this.byNumber.values()]), 0o600);
  }

  private put(entry: Entry): void {
    const old = this.byNumber.get(entry.number);
    if (old?.uid) this.numberOfUid.delete(old.uid);
    this.byNumber.delete(entry.number);
    this.byNumber.set(entry.number, entry);
    if (entry.uid) this.numberOfUid.set(entry.uid, entry.number);
    while (this.byNumber.size > this.maxCards) {
      const oldest = this.byNumber.values().next().value!;
      this.byNumber.delete(oldest.number);
      if (oldest.uid) this.numberOfUid.delete(oldest.uid);
    }
  }

  /** Taps come in bursts: one durable write a second at most. */
  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      try {
        this.flush();
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'card tokens not saved; they are kept in memory');
      }
    }, 1000);
    this.saveTimer.unref();
  }
}

/** The claims of a token without checking its signature: only to index it (it is checked at use). */
function readClaims(token: string): CardTokenClaims | null {
  try {
    const parsed = CardTokenClaims.safeParse(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
