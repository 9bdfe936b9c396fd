/**
 * The signed envelope (docs/protocol.md): a JWS in compact serialisation (RFC 7515 §7.1), alg EdDSA
 * (RFC 8037), so any language's JOSE library can check it. The protected header names the sender
 * in `kid`; the payload binds the topic, the sender, a per-sender sequence number and a message
 * id to the body:
 *
 *   BASE64URL({"alg":"EdDSA","kid":sender,"typ":"loyalty+jws"}) . BASE64URL(payload) . BASE64URL(sig)
 *   payload = {"v":1,"topic":…,"sender":…,"seq":…,"id":…,"body":…}
 *
 * Signing and verifying use node:crypto directly (synchronous, ~3x faster than jose's async
 * API on this hardware); test/protocol checks that jose accepts what we sign.
 *
 * Verification is stricter than plain JWS: every segment must be canonical base64url (so one
 * message has exactly one encoding), the header may hold nothing else, and it never throws — it
 * returns a named reason.
 */
import { sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { RejectReason } from './codes.js';
import { newOpId } from './op-id.js';
import type { ReplayGuard } from './replay.js';

export const ENVELOPE_TYP = 'loyalty+jws';
export const DEFAULT_MAX_BYTES = 64 * 1024;

/** Hands out this sender's sequence numbers; implementations persist them (never reuse one). */
export interface SequenceSource {
  next(): number;
}

export interface SignerOptions {
  senderId: string;
  privateKey: KeyObject;
  sequence: SequenceSource;
  newMessageId?: () => string;
}

export class EnvelopeSigner {
  private readonly headerB64: string;
  private privateKey: KeyObject;

  constructor(private readonly options: SignerOptions) {
    this.privateKey = options.privateKey;
    this.headerB64 = b64(JSON.stringify({ alg: 'EdDSA', kid: options.senderId, typ: ENVELOPE_TYP }));
  }

  get senderId(): string {
    return this.options.senderId;
  }

  /** After a key rotation: sign with the new key from now on (the sequence continues). */
  useKey(privateKey: KeyObject): void {
    this.privateKey = privateKey;
  }

  sign(topic: string, body: unknown): string {
    const payload = {
      v: 1,
      topic,
      sender: this.options.senderId,
      seq: this.options.sequence.next(),
      id: (this.options.newMessageId ?? newOpId)(),
      body,
    };
    const signingInput = `${this.headerB64}.${b64(JSON.stringify(payload))}`;
    const signature = edSign(null, Buffer.from(signingInput), this.privateKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

/** The public keys a sender may sign with (more than one while a key is being rotated). */
export type KeyLookup = (senderId: string) => readonly KeyObject[];

export interface VerifiedMessage {
  sender: string;
  seq: number;
  id: string;
  body: unknown;
}

export type VerifyResult = { ok: true; message: VerifiedMessage } | { ok: false; reason: RejectReason; detail: string };

export interface VerifyOptions {
  maxBytes?: number;
  /**
   * Retained topics are re-delivered on every subscribe, so a sequence number seen before is
   * normal there: their freshness is the body's version, checked by the consumer.
   */
  checkReplay?: boolean;
  /** The sender the topic belongs to (a kiosk's own topics): anyone else is `wrong_topic`. */
  expectedSender?: string;
}

const Header = z.strictObject({ alg: z.literal('EdDSA'), kid: z.string().min(1).max(64), typ: z.literal(ENVELOPE_TYP) });
const Payload = z.strictObject({
  v: z.literal(1),
  topic: z.string().min(1).max(256),
  sender: z.string().min(1).max(64),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  id: z.string().min(1).max(64),
  body: z.unknown(),
});

const B64URL = /^[A-Za-z0-9_-]+$/;

export class EnvelopeVerifier {
  constructor(
    private readonly keys: KeyLookup,
    private readonly replay?: ReplayGuard,
  ) {}

  verify(topic: string, raw: Buffer | string, options: VerifyOptions = {}): VerifyResult {
    try {
      return this.verifyUnsafe(topic, raw, options);
    } catch (error) {
      // Parsing is written not to throw; this is the last line that keeps a receiver alive.
      return reject('malformed', `unexpected: ${(error as Error).message}`.slice(0, 200));
    }
  }

  private verifyUnsafe(topic: string, raw: Buffer | string, options: VerifyOptions): VerifyResult {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > maxBytes) return reject('too_large', `${size} bytes, limit ${maxBytes}`);
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');

    const parts = text.split('.');
    if (parts.length !== 3) return reject('malformed', 'not a compact JWS (3 dot-separated parts)');
    const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
    for (const part of parts) {
      if (!B64URL.test(part) || !isCanonicalB64(part)) return reject('malformed', 'a part is not canonical base64url');
    }

    const header = Header.safeParse(parseJson(Buffer.from(headerB64, 'base64url').toString('utf8')));
    if (!header.success) return reject('malformed', 'bad protected header');
    const sender = header.data.kid;
    if (options.expectedSender !== undefined && sender !== options.expectedSender) {
      return reject('wrong_topic', `${sender} may not publish on ${topic}`);
    }

    const candidates = this.keys(sender);
    if (candidates.length === 0) return reject('unknown_sender', `no key for sender ${sender}`);

    const signature = Buffer.from(signatureB64, 'base64url');
    if (signature.length !== 64) return reject('bad_signature', 'an Ed25519 signature is 64 bytes');
    const signingInput = Buffer.from(`${headerB64}.${payloadB64}`);
    if (!candidates.some((key) => edVerify(null, signingInput, key, signature))) {
      return reject('bad_signature', `signature does not match a key of ${sender}`);
    }

    const payload = Payload.safeParse(parseJson(Buffer.from(payloadB64, 'base64url').toString('utf8')));
    if (!payload.success) return reject('malformed', 'bad payload');
    const { sender: payloadSender, topic: signedTopic, seq, id, body } = payload.data;
    if (payloadSender !== sender) return reject('malformed', 'payload sender differs from header kid');
    if (signedTopic !== topic) return reject('wrong_topic', `signed for ${signedTopic}`);

    if (options.checkReplay !== false && this.replay && !this.replay.accept(sender, seq)) {
      return reject('replayed', `sequence ${seq} from ${sender} was seen before or is too old`);
    }
    return { ok: true, message: { sender, seq, id, body } };
  }
}

function reject(reason: RejectReason, detail: string): VerifyResult {
  return { ok: false, reason, detail };
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function isCanonicalB64(part: string): boolean {
  // Node decodes leniently (ignores trailing bits); re-encoding exposes a second spelling.
  return Buffer.from(part, 'base64url').toString('base64url') === part;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
