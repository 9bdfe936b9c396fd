/**
 * The store's staff cards on the kiosk (docs/staff.md): the newest signed list the gateway
 * published, kept as the signed message (signed-cache.ts), so a staff card opens staff mode while
 * the gateway is unreachable. A staff member left out of a newer list (blocked, moved to another
 * store) no longer opens it, online or offline, once that list has arrived.
 */
import { StaffList, type StaffRole } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { SignedVersionedCache } from './signed-cache.js';

export interface StaffCard {
  id: string;
  name: string;
  role: StaffRole;
  uid: string;
}

/** Verifies a raw signed staff list and returns its body, or null. */
export type StaffListVerifier = (raw: string) => StaffList | null;

export class StaffCache {
  private readonly cache: SignedVersionedCache<StaffList, 'wrong_store'>;
  private byUid = new Map<string, StaffCard>();
  private listeners: Array<() => void> = [];

  constructor(
    path: string,
    storeId: string,
    verify: StaffListVerifier,
    private readonly log: Logger,
  ) {
    this.cache = new SignedVersionedCache({ path, name: 'staff list', verify, check: (list) => (list.storeId === storeId ? null : 'wrong_store'), log });
  }

  get version(): number | null {
    return this.cache.version;
  }

  load(): void {
    const list = this.cache.load();
    if (list) this.use(list);
  }

  /** A list received from the broker: kept when newer than the one held and for this store (true when kept). */
  offer(list: StaffList, raw: string): boolean {
    if (!this.cache.offer(list, raw).accepted) return false;
    this.use(list);
    this.log.info({ version: list.version, staff: list.staff.length }, 'staff list updated');
    for (const listener of this.listeners) listener();
    return true;
  }

  /** The staff member whose card this is, or null (a customer's card, or a blocked staff card). */
  byCard(uid: string): StaffCard | null {
    return this.byUid.get(uid) ?? null;
  }

  /** Called after every new list: an open staff session of someone left out ends. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private use(list: StaffList): void {
    this.byUid = new Map(list.staff.map((s) => [s.uid, s]));
  }
}

export function staffListVerifier(verifyEnvelope: (raw: string) => unknown | null): StaffListVerifier {
  return (raw) => {
    const body = verifyEnvelope(raw);
    const parsed = StaffList.safeParse(body);
    return body !== null && parsed.success ? parsed.data : null;
  };
}
