/**
 * The kiosk API is one typed table: replies are typed by request kind at compile time (checked by
 * `tsc -p test` in `npm test`), and checked against the kind's schema at run time.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RequestHandlers } from '@loyalty/gateway';
import { KIOSK_API, OpIdGenerator, REQUEST_KINDS, ReplyEnvelope, Request, asReplyTo, parseReply, type EarnData, type IdentifyData, type Reply, type ReplyData } from '@loyalty/protocol';

describe('typed kiosk API', () => {
  it("reads every kind of the table off the wire: the request union holds each kind's schema", () => {
    // A kind in the table but not in the union would type-check and be refused as invalid_request at the gateway.
    expect(new Set(Request.options)).toEqual(new Set(REQUEST_KINDS.map((kind) => KIOSK_API[kind].request)));
  });

  it('types each reply’s data by its request kind, and the gateway’s handlers by the same table', () => {
    expectTypeOf<ReplyData<'identify'>>().toEqualTypeOf<IdentifyData>();
    expectTypeOf<Extract<Reply<'earn'>['result'], { status: 'ok' }>['data']>().toEqualTypeOf<EarnData>();
    expectTypeOf<ReturnType<RequestHandlers['identify']>>().toEqualTypeOf<Promise<IdentifyData>>();
    // A handler that returns the wrong shape does not compile.
    const wrong: Pick<RequestHandlers, 'identify'> = {
      // @ts-expect-error identify must answer IdentifyData, not a balance alone
      identify: async () => ({ balance: 1 }),
    };
    expect(typeof wrong.identify).toBe('function');
    expect(REQUEST_KINDS.sort()).toEqual(Object.keys(KIOSK_API).sort());
  });

  it('turns a reply whose data does not match its kind into a named bad_reply error', () => {
    const opId = new OpIdGenerator().next();
    const envelope = ReplyEnvelope.parse({ opId, kind: 'identify', serverTime: '2026-11-22T10:00:00.000Z', result: { status: 'ok', data: { balance: 'lots' } } });
    const reply = parseReply(envelope);
    expect(reply.result).toMatchObject({ status: 'error', code: 'bad_reply' });
    expect(reply.result.status === 'error' && reply.result.message).toContain('cardNumberMasked');
    const good = parseReply(
      ReplyEnvelope.parse({
        opId,
        kind: 'identify',
        serverTime: '2026-11-22T10:00:00.000Z',
        result: { status: 'ok', data: { cardNumberMasked: '*9', status: 'active', displayName: null, balance: 3, tier: null } },
      }),
    );
    expect(good.result).toMatchObject({ status: 'ok', data: { balance: 3 } });
    // An answer to a request the gateway could not read reaches the waiting request as its error.
    const invalid = parseReply(ReplyEnvelope.parse({ opId, kind: 'invalid', serverTime: '2026-11-22T10:00:00.000Z', result: { status: 'error', code: 'invalid_request', message: 'card: required' } }));
    expect(asReplyTo(invalid, 'earn')).toMatchObject({ kind: 'earn', result: { code: 'invalid_request' } });
    expect(ReplyEnvelope.safeParse({ opId, kind: 'make_coffee', serverTime: '2026-11-22T10:00:00.000Z', result: { status: 'ok', data: {} } }).success).toBe(false);
  });
});
