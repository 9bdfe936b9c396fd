/**
 * The offline limits a kiosk applies (docs/offline.md), on signed tokens and the outbox's spend
 * records: the token's signature, card, store and expiry; the per-transaction and per-card caps
 * and the card's points; the kiosk's daily budget; random online selection.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpIdGenerator, generateKeyPair, signCardToken, type CardTokenClaims } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { MemoryOutboxStore, OfflineDesk, Outbox, TokenCache, type OfflinePolicy } from '@loyalty/device';

const quiet = createLogger({ level: 'silent', name: 'offline' });
const gateway = generateKeyPair();
const ids = new OpIdGenerator();
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

function claims(overrides: Partial<CardTokenClaims> = {}): CardTokenClaims {
  return {
    v: 1,
    card: { number: '10009', uid: '04A1B2C3D4E5F6' },
    storeId: 's1',
    issuedAt: new Date(NOW - 3_600_000).toISOString(),
    validUntil: new Date(NOW + 3_600_000).toISOString(),
    limits: { perCardPoints: 500, perTransactionPoints: 300 },
    identify: { cardNumberMasked: '•••0009', status: 'active', displayName: 'Anna K.', balance: 1000, tier: null },
    ...overrides,
  };
}

let dir: string;
let tokens: TokenCache;
let outbox: Outbox;
let policy: OfflinePolicy;
let draw: number;
let now: number;
let desk: OfflineDesk;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'offline-desk-'));
  tokens = new TokenCache(join(dir, 'card-tokens.json'), quiet, 3);
  outbox = new Outbox({ store: new MemoryOutboxStore() });
  await outbox.start();
  policy = { budgetPointsPerDay: 1000, onlineSelectionPercent: 10 };
  draw = 0.5;
  now = NOW;
  desk = new OfflineDesk({ tokens, outbox, gatewayKeys: () => [gateway.publicKey], storeId: 's1', policy: () => policy, now: () => now, random: () => draw });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spend = (points: number, day = '2026-12-07', card = '10009') =>
  outbox.add({ kind: 'earn', opId: ids.next(), card: { number: card }, receipt: { id: `R${points}`, total: { amount: 1, currency: 'EUR' } } }, { card, points, day, at: now });

describe('a card token at an offline tap', () => {
  it('is found by number or by the UID it was tapped with, and refused by name when forged, altered, for another store or expired', async () => {
    tokens.remember(signCardToken(claims(), gateway.privateKey));
    expect(await desk.identify({ number: '10009' })).toMatchObject({ ok: true, value: { spent: 0 } });
    expect(await desk.identify({ uid: '04A1B2C3D4E5F6' })).toMatchObject({ ok: true });
    expect(await desk.identify({ number: '10025' })).toEqual({ ok: false, reason: 'no_token' });

    tokens.remember(signCardToken(claims(), generateKeyPair().privateKey)); // not the gateway's key
    expect(await desk.identify({ number: '10009' })).toEqual({ ok: false, reason: 'bad_signature' });

    const genuine = signCardToken(claims(), gateway.privateKey);
    const [body, sig] = genuine.split('.');
    const richer = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), limits: { perCardPoints: 1e9, perTransactionPoints: 1e9 } })).toString('base64url');
    tokens.remember(`${richer}.${sig}`);
    expect(await desk.identify({ number: '10009' })).toEqual({ ok: false, reason: 'bad_signature' });

    tokens.remember(signCardToken(claims({ storeId: 's2' }), gateway.privateKey));
    expect(await desk.identify({ number: '10009' })).toEqual({ ok: false, reason: 'other_store' });

    tokens.remember(signCardToken(claims(), gateway.privateKey));
    now = NOW + 2 * 3_600_000;
    expect(await desk.identify({ number: '10009' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('keeps the newest tokens of the most recently used cards, on disk readable by the kiosk only', async () => {
    for (const number of ['10009', '10017', '10025']) tokens.remember(signCardToken(claims({ card: { number } }), gateway.privateKey));
    tokens.tokenFor({ number: '10009' }); // used: now the most recent
    tokens.remember(signCardToken(claims({ card: { number: '10033' } }), gateway.privateKey));
    expect(tokens.size).toBe(3);
    expect(tokens.tokenFor({ number: '10017' })).toBeNull();
    expect(tokens.tokenFor({ number: '10009' })).not.toBeNull();
    tokens.flush();
    expect(statSync(join(dir, 'card-tokens.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'card-tokens.json'), 'utf8')).not.toContain('Anna');
    const again = new TokenCache(join(dir, 'card-tokens.json'), quiet, 3);
    again.load();
    expect(again.size).toBe(3);
    writeFileSync(join(dir, 'card-tokens.json'), '{not json');
    const broken = new TokenCache(join(dir, 'card-tokens.json'), quiet, 3);
    broken.load();
    expect(broken.size).toBe(0);
  });
});

describe('an offline redemption', () => {
  it('is within the transaction cap, the card cap, the card’s points, the kiosk’s daily budget and the random draw, in that order', async () => {
    const c = claims();
    expect(await desk.mayRedeem(c, 300, 'Europe/Berlin')).toEqual({ ok: true, value: { day: '2026-12-07' } });
    expect(await desk.mayRedeem(c, 301, 'Europe/Berlin')).toEqual({ ok: false, reason: 'per_transaction_limit' });
    await spend(300);
    expect(await desk.mayRedeem(c, 250, 'Europe/Berlin')).toEqual({ ok: false, reason: 'per_card_limit' });
    expect(await desk.mayRedeem(c, 200, 'Europe/Berlin')).toMatchObject({ ok: true });
    // What the card holds, less what was spent offline since the token.
    expect(await desk.mayRedeem(claims({ identify: { ...c.identify, balance: 350 } }), 100, 'Europe/Berlin')).toEqual({ ok: false, reason: 'insufficient_points' });
    // Another card, the same kiosk: the day's budget.
    await spend(600, '2026-12-07', '10025');
    expect(await desk.mayRedeem(claims({ card: { number: '10033' } }), 150, 'Europe/Berlin')).toEqual({ ok: false, reason: 'kiosk_budget' });
    expect(await desk.mayRedeem(claims({ card: { number: '10033' } }), 100, 'Europe/Berlin')).toMatchObject({ ok: true });
    // A new local day in the store's zone has a new budget.
    now = Date.parse('2026-12-07T23:30:00.000Z'); // 00:30 in Berlin
    expect(await desk.mayRedeem(claims({ card: { number: '10033' }, validUntil: '2026-12-08T05:00:00.000Z' }), 150, 'Europe/Berlin')).toEqual({ ok: true, value: { day: '2026-12-08' } });
    // No budget: no offline redemption at all.
    policy = { budgetPointsPerDay: 0, onlineSelectionPercent: 0 };
    expect(await desk.mayRedeem(claims({ card: { number: '10033' }, validUntil: '2026-12-08T05:00:00.000Z' }), 1, 'Europe/Berlin')).toEqual({ ok: false, reason: 'kiosk_budget' });
  });

  it('is sent back online for the configured share of draws, and not past the token’s validity', async () => {
    policy = { budgetPointsPerDay: 1000, onlineSelectionPercent: 25 };
    draw = 0.2499;
    expect(await desk.mayRedeem(claims(), 10, 'UTC')).toEqual({ ok: false, reason: 'online_selected' });
    draw = 0.25;
    expect(await desk.mayRedeem(claims(), 10, 'UTC')).toMatchObject({ ok: true });
    let selected = 0;
    let seed = 1;
    draw = 0;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const sampling = new OfflineDesk({ tokens, outbox, gatewayKeys: () => [gateway.publicKey], storeId: 's1', policy: () => policy, now: () => now, random });
    for (let i = 0; i < 2000; i += 1) if (!(await sampling.mayRedeem(claims(), 1, 'UTC')).ok) selected += 1;
    expect(selected / 2000).toBeGreaterThan(0.21);
    expect(selected / 2000).toBeLessThan(0.29);
    now = NOW + 3_600_000;
    expect(await desk.mayRedeem(claims(), 10, 'UTC')).toEqual({ ok: false, reason: 'expired' });
  });
});
