/**
 * The message parsers fuzzed (docs/security.md): 100 000 cases in all. Nothing throws, nothing pollutes
 * Object.prototype, and every refusal carries one of the named reasons.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNEL_BODIES, EnvelopeSigner, EnvelopeVerifier, REJECT_REASONS, SlidingReplayWindow, classifyScan, generateKeyPair, kioskTopic, parseTopic } from '@loyalty/protocol';

const keys = generateKeyPair();
const topic = kioskTopic('kiosk-1', 'req');
let seq = 0;
const signer = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: keys.privateKey, sequence: { next: () => (seq += 1) } });
const verifier = new EnvelopeVerifier((id) => (id === 'kiosk-1' ? [keys.publicKey] : []), new SlidingReplayWindow());
const reasons = new Set<string>(REJECT_REASONS);

/** JSON that likes the dangerous keys. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'kind', 'opId', 'card', 'body', 'toString', 'polluted'), tie('value'), { maxKeys: 4 }),
})).value;

function assertClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('parser fuzzing (100 000 cases)', () => {
  it('verify never throws on arbitrary bytes and strings, and names every refusal (50 000)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          fc.string({ maxLength: 600 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,90}$/),
        ),
        (input) => {
          const result = verifier.verify(topic, input);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(reasons.has(result.reason)).toBe(true);
        },
      ),
      { numRuns: 50_000 },
    );
    assertClean();
  });

  it('signed hostile bodies verify, and every channel schema refuses or parses them without pollution (20 000)', () => {
    fc.assert(
      fc.property(hostileJson, fc.constantFrom(...(Object.keys(CHANNEL_BODIES) as Array<keyof typeof CHANNEL_BODIES>)), (body, channel) => {
        const result = verifier.verify(topic, signer.sign(topic, body), { checkReplay: false });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const parsed = CHANNEL_BODIES[channel].safeParse(result.message.body);
        if (!parsed.success) expect(parsed.error.issues.length).toBeGreaterThan(0);
        assertClean();
      }),
      { numRuns: 20_000 },
    );
  });

  it('a hand-made header with __proto__ or extra members is refused as malformed (10 000)', () => {
    fc.assert(
      fc.property(hostileJson, fc.string({ maxLength: 40 }), (extra, sig) => {
        const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'kiosk-1', typ: 'loyalty+jws', x: extra })).toString('base64url');
        const raw = `${header}.${Buffer.from('{}').toString('base64url')}.${Buffer.from(sig).toString('base64url') || 'AA'}`;
        const result = verifier.verify(topic, raw);
        expect(result).toMatchObject({ ok: false });
        if (!result.ok) expect(['malformed', 'bad_signature']).toContain(result.reason);
        assertClean();
      }),
      { numRuns: 10_000 },
    );
  });

  it('topics and scan codes parse or refuse, never throw (20 000)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^loyalty\/v1\/[ks]\/[^/]{0,70}\/[a-z]{0,8}$/)), (text) => {
        const parsed = parseTopic(text);
        if (parsed) expect(text.startsWith('loyalty/v1/')).toBe(true);
        const scan = classifyScan(text);
        expect(['card', 'invalid_card_number', 'receipt', 'unknown']).toContain(scan.kind);
      }),
      { numRuns: 20_000 },
    );
    assertClean();
  });
});
