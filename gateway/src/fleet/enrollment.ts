/**
 * Pairing a kiosk (docs/security.md). An operator creates a one-time code for a store (valid 15
 * minutes). The kiosk claims it with its public key and a signature over the code and that key,
 * proving it holds the private key, and receives its kiosk id, its store, the gateway's public
 * keys and its broker login. Codes are single use and stored hashed; failed claims are rate
 * limited per client address.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, randomInt, verify as edVerify } from 'node:crypto';
import { enrollmentProofInput, importPublicKey, isValidId, keyFingerprint } from '@loyalty/protocol';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import { checkRates, recordRates, type RateRule } from '../ledger/rate-limits.js';
import type { Clock } from '../clock.js';
import type { KioskRegistry } from './kiosk-registry.js';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I/L: read aloud and typed on a kiosk
const CODE_TTL_MS = 15 * 60_000;

export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export interface EnrollmentGrant {
  kioskId: string;
  storeId: string;
  storeName: string;
  keyFingerprint: string;
  gateway: { senderIds: string[]; publicKeys: string[] };
  broker: { host: string; port: number; username: string; password: string };
}

export class EnrollmentService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly registry: KioskRegistry,
    private readonly clock: Clock,
    private readonly gateway: { senderIds: string[]; publicKeys: string[]; broker: { host: string; port: number } },
    private readonly limits = { failuresPerWindow: 10, windowMs: 10 * 60_000 },
  ) {}

  async create(storeId: string): Promise<{ code: string; expiresAt: string }> {
    const raw = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const code = `${raw.slice(0, 5)}-${raw.slice(5)}`;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS).toISOString();
    await this.writer.run(async (tx) => {
      if (!(await tx.execute({ sql: 'SELECT 1 FROM stores WHERE id = ?', args: [storeId] })).rows.length) throw new LedgerError('invalid_request', `no store ${storeId}`);
      await tx.execute({ sql: 'INSERT INTO enrollments (code_hash, store_id, created_at, expires_at) VALUES (?, ?, ?, ?)', args: [hash(code), storeId, now.toISOString(), expiresAt] });
    });
    return { code, expiresAt };
  }

  async claim(input: { code: string; publicKey: string; proof: string; kioskId?: string; source: string }): Promise<EnrollmentGrant> {
    let publicKey: KeyObject;
    try {
      publicKey = importPublicKey(input.publicKey);
    } catch {
      throw new LedgerError('invalid_request', 'publicKey must be a 43-character base64url Ed25519 key');
    }
    const proofOk = /^[A-Za-z0-9_-]{86}$/.test(input.proof) && edVerify(null, enrollmentProofInput(input.code, input.publicKey), publicKey, Buffer.from(input.proof, 'base64url'));
    const fingerprint = keyFingerprint(publicKey);
    const kioskId = input.kioskId ?? `kiosk-${fingerprint.replace(/:/g, '').slice(0, 10)}`;
    if (!isValidId(kioskId)) throw new LedgerError('invalid_request', 'kioskId: use 1-64 of A-Z a-z 0-9 _ -');
    const guesses = [{ rule: this.guessRule, key: input.source }];
    // The guess count is read and written in the same write transaction as the code: concurrent
    // guesses from one address are evaluated exactly up to the limit, and the count survives a restart.
    const claimed = await this.writer.run(async (tx) => {
      const now = this.clock.now();
      const at = now.toISOString();
      const refused = await checkRates(tx, 'rate_limited', guesses, now);
      if (refused) return refused;
      const row = (await tx.execute({ sql: 'SELECT store_id, expires_at, used_at FROM enrollments WHERE code_hash = ?', args: [hash(input.code)] })).rows[0];
      // One answer for every failure: a guesser learns nothing about which codes exist.
      if (!row || row.used_at !== null || String(row.expires_at) <= at || !proofOk) {
        await recordRates(tx, guesses, now);
        return null;
      }
      const existing = this.registry.get(kioskId);
      if (existing && existing.status === 'active' && keyFingerprint(existing.publicKey) !== fingerprint) return 'taken' as const;
      await tx.execute({ sql: 'UPDATE enrollments SET used_at = ?, kiosk_id = ? WHERE code_hash = ?', args: [at, kioskId, hash(input.code)] });
      return { storeId: String(row.store_id) };
    });
    if (claimed instanceof LedgerError) throw claimed;
    if (claimed === 'taken') throw new LedgerError('card_exists', `kiosk id ${kioskId} belongs to another kiosk; choose another id`);
    if (!claimed) throw new LedgerError('invalid_request', 'the pairing code is wrong, used or expired, or the proof does not match the key; ask the operator for a new code');
    const { brokerPassword } = await this.registry.register(kioskId, claimed.storeId, input.publicKey);
    const store = (await this.client.execute({ sql: 'SELECT name FROM stores WHERE id = ?', args: [claimed.storeId] })).rows[0];
    return {
      kioskId,
      storeId: claimed.storeId,
      storeName: store ? String(store.name) : claimed.storeId,
      keyFingerprint: fingerprint,
      gateway: { senderIds: this.gateway.senderIds, publicKeys: this.gateway.publicKeys },
      broker: { ...this.gateway.broker, username: kioskId, password: brokerPassword },
    };
  }

  private get guessRule(): RateRule {
    return { bucket: 'pairing_guess', limit: this.limits.failuresPerWindow, windowMs: this.limits.windowMs, message: 'too many wrong pairing attempts from this address' };
  }
}

function hash(code: string): string {
  return createHash('sha256').update(normaliseCode(code)).digest('hex');
}
