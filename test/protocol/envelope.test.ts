import fc from 'fast-check';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { EnvelopeSigner, EnvelopeVerifier, SlidingReplayWindow, generateKeyPair, kioskTopic, type KeyPair } from '@loyalty/protocol';

function counter(): { next(): number } {
  let n = 0;
  return { next: () => (n += 1) };
}

const kioskKeys = generateKeyPair();
const otherKeys = generateKeyPair();
const topic = kioskTopic('kiosk-1', 'req');

function makeSigner(keys: KeyPair = kioskKeys, senderId = 'kiosk-1'): EnvelopeSigner {
  return new EnvelopeSigner({ senderId, privateKey: keys.privateKey, sequence: counter() });
}
const verifier = new EnvelopeVerifier((id) => (id === 'kiosk-1' ? [kioskKeys.publicKey] : []));

const jsonBody = fc.jsonValue({ maxDepth: 3 });
const B64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('signed envelope', () => {
  it('round-trips any JSON body, sender, sequence and id', () => {
    const signer = makeSigner();
    fc.assert(
      fc.property(jsonBody, (body) => {
        const raw = signer.sign(topic, body);
        const result = verifier.verify(topic, raw);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.message.sender).toBe('kiosk-1');
        // JSON normalises -0 to 0: compare with what JSON would carry.
        expect(result.message.body).toEqual(JSON.parse(JSON.stringify(body)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a change to any character of the signed payload or signature as bad_signature', () => {
    const signer = makeSigner();
    fc.assert(
      fc.property(jsonBody, fc.nat(), fc.nat(), (body, where, replacement) => {
        const raw = signer.sign(topic, body);
        const firstDot = raw.indexOf('.');
        // Only the payload and signature parts: positions after the header.
        const positions = [...raw].map((_c, i) => i).filter((i) => i > firstDot && raw[i] !== '.');
        const index = positions[where % positions.length]!;
        let char = B64URL_CHARS[replacement % 64]!;
        if (char === raw[index]) char = B64URL_CHARS[(replacement + 1) % 64]!;
        const tampered = raw.slice(0, index) + char + raw.slice(index + 1);
        const result = verifier.verify(topic, tampered);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        // A changed last character can make a non-canonical encoding: refused before the signature.
        expect(['bad_signature', 'malformed']).toContain(result.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any changed byte anywhere (raw bytes, not only base64url characters)', () => {
    const signer = makeSigner();
    fc.assert(
      fc.property(jsonBody, fc.nat(), fc.integer({ min: 1, max: 255 }), (body, where, xor) => {
        const raw = Buffer.from(signer.sign(topic, body));
        const tampered = Buffer.from(raw);
        const i = where % raw.length;
        tampered[i] = tampered[i]! ^ xor;
        const result = verifier.verify(topic, tampered);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a message moved to another topic as wrong_topic', () => {
    const signer = makeSigner();
    fc.assert(
      fc.property(jsonBody, fc.constantFrom('kiosk-2', 'kiosk-10', 'k1'), fc.constantFrom('req', 'res', 'ack', 'tele') as fc.Arbitrary<'req' | 'res' | 'ack' | 'tele'>, (body, otherKiosk, channel) => {
        const raw = signer.sign(topic, body);
        const result = verifier.verify(kioskTopic(otherKiosk, channel), raw);
        expect(result).toMatchObject({ ok: false, reason: 'wrong_topic' });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a message signed with another key as bad_signature, and an unknown sender as unknown_sender', () => {
    fc.assert(
      fc.property(jsonBody, (body) => {
        const forged = makeSigner(otherKeys).sign(topic, body);
        expect(verifier.verify(topic, forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
        const stranger = makeSigner(otherKeys, 'kiosk-9').sign(topic, body);
        expect(verifier.verify(topic, stranger)).toMatchObject({ ok: false, reason: 'unknown_sender' });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses oversize messages before parsing them, and garbage as malformed', () => {
    const raw = makeSigner().sign(topic, { pad: 'x'.repeat(2000) });
    expect(verifier.verify(topic, raw, { maxBytes: 1000 })).toMatchObject({ ok: false, reason: 'too_large' });
    for (const garbage of ['', 'a.b', 'a.b.c.d', '{"json":true}', '...', '\u0000\u0001', 'é.é.é']) {
      expect(verifier.verify(topic, garbage)).toMatchObject({ ok: false, reason: 'malformed' });
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = verifier.verify(topic, Buffer.from(bytes));
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a second delivery of the same sequence number as replayed', () => {
    const replayVerifier = new EnvelopeVerifier(() => [kioskKeys.publicKey], new SlidingReplayWindow());
    const raw = makeSigner().sign(topic, { hello: 1 });
    expect(replayVerifier.verify(topic, raw).ok).toBe(true);
    expect(replayVerifier.verify(topic, raw)).toMatchObject({ ok: false, reason: 'replayed' });
    // Retained topics are re-delivered on subscribe: the caller opts out of the sequence check.
    expect(replayVerifier.verify(topic, raw, { checkReplay: false }).ok).toBe(true);
  });

  it('is a standard JWS that jose verifies (interoperability)', async () => {
    const raw = makeSigner().sign(topic, { kind: 'identify' });
    const { payload, protectedHeader } = await compactVerify(raw, kioskKeys.publicKey);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: 'kiosk-1', typ: 'loyalty+jws' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ topic, sender: 'kiosk-1', seq: 1 });
  });
});

describe('sliding replay window', () => {
  it('accepts reordered numbers inside the window exactly once', () => {
    const w = new SlidingReplayWindow(8);
    expect([1, 2, 5, 3, 4, 4, 5, 2].map((s) => w.accept('a', s))).toEqual([true, true, true, true, true, false, false, false]);
    expect(w.accept('a', 20)).toBe(true);
    expect(w.accept('a', 12)).toBe(false); // older than the window
  });

  it('after a restore refuses everything at or below the persisted mark', () => {
    const w = new SlidingReplayWindow();
    w.restore(new Map([['a', 100]]));
    expect(w.accept('a', 100)).toBe(false);
    expect(w.accept('a', 99)).toBe(false);
    expect(w.accept('a', 101)).toBe(true);
    expect(w.takeDirty()).toEqual(new Map([['a', 101]]));
  });

  it('never accepts the same (sender, seq) twice in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 400 }), (seqs) => {
        const w = new SlidingReplayWindow(64);
        const accepted = new Set<number>();
        for (const s of seqs) {
          if (w.accept('x', s)) {
            expect(accepted.has(s)).toBe(false);
            accepted.add(s);
          }
        }
      }),
    );
  });
});
