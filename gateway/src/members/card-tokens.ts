/**
 * Card tokens for offline mode (docs/offline.md): each online identify at a kiosk, for a card whose
 * program lets kiosks pay out offline, carries a token signed with the gateway's key
 * (protocol/src/card-token.ts). A card whose program says nothing gets no token: it is served
 * offline as before (balance unavailable, receipts journalled).
 */
import type { KeyObject } from 'node:crypto';
import { signCardToken, type CardRef, type IdentifyData, type OfflineRedemption } from '@loyalty/protocol';
import type { Clock } from '../clock.js';

const HOUR_MS = 3_600_000;

export class CardTokens {
  constructor(
    private readonly privateKey: KeyObject,
    private readonly clock: Clock,
  ) {}

  /** The identify reply with its token, when the card may be served offline. */
  withToken(identified: { data: IdentifyData; number: string; offline: OfflineRedemption | null }, ref: CardRef, storeId: string): IdentifyData {
    const { data, number, offline } = identified;
    if (!offline || data.status !== 'active') return data;
    const now = this.clock.now().getTime();
    const token = signCardToken(
      {
        v: 1,
        card: { number, ...('uid' in ref ? { uid: ref.uid } : {}) },
        storeId,
        issuedAt: new Date(now).toISOString(),
        validUntil: new Date(now + offline.tokenValidHours * HOUR_MS).toISOString(),
        limits: { perCardPoints: offline.perCardPoints, perTransactionPoints: offline.perTransactionPoints },
        identify: data,
      },
      this.privateKey,
    );
    return { ...data, offline: { token } };
  }
}
