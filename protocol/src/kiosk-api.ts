/**
 * The kiosk API: every request kind a kiosk may send on `k/{id}/req`, with the schema of its
 * request and of the data its successful reply carries (docs/protocol.md "Requests and replies").
 * One table, in the shape of Zigbee2MQTT's `lib/types/api.ts`; the gateway's handler table, the
 * kiosk's `requests.call`/`submit` and the reply validation are all typed from it, so a handler
 * that returns the wrong shape does not compile and a reply that does not match is refused.
 */
import { z } from 'zod';
import { RESULT_CODES } from './codes.js';
import {
  EarnData,
  EarnRequest,
  EntranceData,
  EntranceRequest,
  RegisterConfirmData,
  RegisterConfirmRequest,
  RegisterStartData,
  RegisterStartRequest,
  RegisterVerifyData,
  RegisterVerifyRequest,
  IdentifyData,
  IdentifyRequest,
  OpId,
  RedeemConfirmData,
  RedeemConfirmRequest,
  RedeemCancelData,
  RedeemCancelRequest,
  RedeemOfflineData,
  RedeemOfflineRequest,
  RedeemData,
  RedeemRequest,
  RotateKeyData,
  RotateKeyRequest,
  IdentifyPhoneStartData,
  IdentifyPhoneStartRequest,
  IdentifyPhoneVerifyData,
  IdentifyPhoneVerifyRequest,
  StaffBlockData,
  StaffBlockRequest,
  StaffReplaceData,
  StaffReplaceRequest,
  StaffAdjustData,
  StaffAdjustRequest,
  StaffFindData,
  StaffFindRequest,
  StaffFindVerifyData,
  StaffFindVerifyRequest,
  StaffLogData,
  StaffLogRequest,
  StaffShiftData,
  StaffShiftRequest,
} from './messages.js';

export const ReplyError = z.strictObject({
  status: z.literal('error'),
  code: z.enum(RESULT_CODES),
  message: z.string().max(500),
});
export type ReplyError = z.infer<typeof ReplyError>;

/** The journalled (state-changing) requests: what a batch carries. */
const JOURNALLED_REQUESTS = [
  EarnRequest,
  RotateKeyRequest,
  RedeemRequest,
  RedeemConfirmRequest,
  RedeemCancelRequest,
  RedeemOfflineRequest,
  RegisterConfirmRequest,
  StaffBlockRequest,
  StaffReplaceRequest,
  StaffAdjustRequest,
  StaffLogRequest,
] as const;
const JournalledRequest = z.discriminatedUnion('kind', [...JOURNALLED_REQUESTS]);

/** At most this many journalled requests in one batch; the kiosk also keeps a batch's envelope under the `req` size limit. */
export const BATCH_MAX_REQUESTS = 32;

/**
 * A backlog sent again (docs/protocol.md "Batches"): journalled requests from the kiosk's outbox in
 * one signed envelope, each still with its own op id and journal link, each answered as if sent
 * alone. Only a transport: the batch itself changes nothing and is not journalled.
 */
export const BatchRequest = z.strictObject({ kind: z.literal('batch'), opId: OpId, requests: z.array(JournalledRequest).min(1).max(BATCH_MAX_REQUESTS) });
/** The answers of a batch, each a reply as it would travel alone (its data checked by the kiosk against its own kind). */
export const BatchData = z.strictObject({
  replies: z
    .array(
      z.strictObject({
        opId: OpId,
        kind: z.string().max(40),
        serverTime: z.iso.datetime(),
        result: z.union([z.strictObject({ status: z.literal('ok'), data: z.unknown() }), ReplyError]),
      }),
    )
    .max(BATCH_MAX_REQUESTS),
});

export const KIOSK_API = {
  identify: { request: IdentifyRequest, reply: IdentifyData, stateChanging: false },
  earn: { request: EarnRequest, reply: EarnData, stateChanging: true },
  rotate_key: { request: RotateKeyRequest, reply: RotateKeyData, stateChanging: true },
  redeem: { request: RedeemRequest, reply: RedeemData, stateChanging: true },
  redeem_confirm: { request: RedeemConfirmRequest, reply: RedeemConfirmData, stateChanging: true },
  redeem_cancel: { request: RedeemCancelRequest, reply: RedeemCancelData, stateChanging: true },
  redeem_offline: { request: RedeemOfflineRequest, reply: RedeemOfflineData, stateChanging: true },
  // Logged by op id on the gateway, but moves no value: not through the outbox.
  entrance: { request: EntranceRequest, reply: EntranceData, stateChanging: false },
  // Sending a code and checking it move nothing (the SMS service has its own limits); linking the card is journalled.
  register_start: { request: RegisterStartRequest, reply: RegisterStartData, stateChanging: false },
  register_verify: { request: RegisterVerifyRequest, reply: RegisterVerifyData, stateChanging: false },
  register_confirm: { request: RegisterConfirmRequest, reply: RegisterConfirmData, stateChanging: true },
  // Identification by phone: a code sent and checked, nothing moved.
  identify_phone_start: { request: IdentifyPhoneStartRequest, reply: IdentifyPhoneStartData, stateChanging: false },
  identify_phone_verify: { request: IdentifyPhoneVerifyRequest, reply: IdentifyPhoneVerifyData, stateChanging: false },
  // Staff mode (docs/staff.md): what changes a card or a balance, and the log of the rest, is journalled;
  // finding a customer and reading the shift move nothing.
  staff_block: { request: StaffBlockRequest, reply: StaffBlockData, stateChanging: true },
  staff_replace: { request: StaffReplaceRequest, reply: StaffReplaceData, stateChanging: true },
  staff_adjust: { request: StaffAdjustRequest, reply: StaffAdjustData, stateChanging: true },
  staff_find: { request: StaffFindRequest, reply: StaffFindData, stateChanging: false },
  staff_find_verify: { request: StaffFindVerifyRequest, reply: StaffFindVerifyData, stateChanging: false },
  staff_log: { request: StaffLogRequest, reply: StaffLogData, stateChanging: true },
  staff_shift: { request: StaffShiftRequest, reply: StaffShiftData, stateChanging: false },
  // A transport for journalled requests sent again: each inside is claimed by its own op id.
  batch: { request: BatchRequest, reply: BatchData, stateChanging: false },
} as const;

export type RequestKind = keyof typeof KIOSK_API;
export const REQUEST_KINDS = Object.keys(KIOSK_API) as RequestKind[];

/** The request of one kind (`RequestOf<'earn'>`), or of any kind. */
export type RequestOf<K extends RequestKind = RequestKind> = { [P in K]: z.infer<(typeof KIOSK_API)[P]['request']> }[K];
/** What a successful reply to a request of this kind carries. */
export type ReplyData<K extends RequestKind> = z.infer<(typeof KIOSK_API)[K]['reply']>;

export const Request = z.discriminatedUnion('kind', [
  IdentifyRequest,
  EntranceRequest,
  RegisterStartRequest,
  RegisterVerifyRequest,
  IdentifyPhoneStartRequest,
  IdentifyPhoneVerifyRequest,
  StaffFindRequest,
  StaffFindVerifyRequest,
  StaffShiftRequest,
  ...JOURNALLED_REQUESTS,
  BatchRequest,
]);
export type Request = RequestOf;

/** Requests that move value: they go through the kiosk's durable outbox and the gateway's op-id claim. */
export function isStateChanging(kind: RequestKind): boolean {
  return KIOSK_API[kind].stateChanging;
}

/** A reply to a request of kind K: the same op id, the gateway's clock, and typed data or a named error. */
export interface Reply<K extends RequestKind = RequestKind> {
  opId: string;
  kind: K;
  /** the gateway's clock, RFC 3339 UTC: kiosks have no RTC (docs/protocol.md "Time") */
  serverTime: string;
  result: { status: 'ok'; data: ReplyData<K> } | ReplyError;
}

/** What the gateway sends when it could not even read the request's kind: always an error. */
export interface InvalidRequestReply {
  opId: string;
  kind: 'invalid';
  serverTime: string;
  result: ReplyError;
}

/**
 * The reply as it travels, before its data is checked against its kind: what a receiver needs to
 * find who is waiting for it. `parseReply` then checks the data.
 */
export const ReplyEnvelope = z.strictObject({
  opId: OpId,
  kind: z.union([z.enum(REQUEST_KINDS as [RequestKind, ...RequestKind[]]), z.literal('invalid')]),
  serverTime: z.iso.datetime(),
  result: z.union([z.strictObject({ status: z.literal('ok'), data: z.unknown() }), ReplyError]),
});
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;

/**
 * Checks a reply's data against the schema of its kind. A reply that does not match becomes a
 * named `bad_reply` error for whoever waits for it, never a crash or a wrong screen.
 */
export function parseReply(envelope: ReplyEnvelope): Reply | InvalidRequestReply {
  const { kind, result } = envelope;
  if (kind === 'invalid') {
    return { ...envelope, kind, result: result.status === 'error' ? result : { status: 'error', code: 'bad_reply', message: 'an answer to an unreadable request cannot be a success' } };
  }
  if (result.status === 'error') return { ...envelope, kind, result };
  const data = KIOSK_API[kind].reply.safeParse(result.data);
  if (!data.success) {
    const issues = data.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`)
      .join('; ');
    return { ...envelope, kind, result: { status: 'error', code: 'bad_reply', message: `the gateway's ${kind} reply does not match the protocol: ${issues}`.slice(0, 500) } };
  }
  return { ...envelope, kind, result: { status: 'ok', data: data.data } } as Reply;
}

/** Narrows a reply to the kind of the request it answers. */
export function isReplyTo<K extends RequestKind>(reply: Reply | InvalidRequestReply, kind: K): reply is Reply<K> {
  return reply.kind === kind;
}

/**
 * The reply to a request of kind K: the reply itself, or a named error when the gateway answered
 * with another kind (`bad_reply`) or could not read the request (`invalid`: its error).
 */
export function asReplyTo<K extends RequestKind>(reply: Reply | InvalidRequestReply, kind: K): Reply<K> {
  if (isReplyTo(reply, kind)) return reply;
  const result: ReplyError =
    reply.kind === 'invalid' && reply.result.status === 'error' ? reply.result : { status: 'error', code: 'bad_reply', message: `a ${reply.kind} reply came for a ${kind} request` };
  return { opId: reply.opId, kind, serverTime: reply.serverTime, result };
}
