/**
 * What the gateway does for each kiosk request kind: a table keyed by kind (docs/conventions.md §5).
 * A handler returns the reply data or throws a LedgerError with a named code.
 */
import { verify } from 'node:crypto';
import { importPublicKey, rotationProofInput, type ReplyData, type Request, type RequestKind, type RequestOf } from '@loyalty/protocol';
import type { KioskRegistry } from './fleet/kiosk-registry.js';
import { LedgerError } from './ledger/errors.js';
import type { Ledger } from './ledger/ledger.js';
import type { KioskRedemptions } from './members/kiosk-redemptions.js';
import type { CustomerService } from './members/customer-service.js';
import { maskPhone } from './members/phone.js';
import type { RegistrationService } from './members/registration-service.js';
import type { KioskStaff } from './members/kiosk-staff.js';
import type { CardTokens } from './members/card-tokens.js';

/** How long a kiosk's old key stays valid after it announced a new one. */
export const KEY_OVERLAP_MS = 10 * 60_000;

export interface RequestContext {
  kioskId: string;
  storeId: string;
}

/** One handler per kind of the kiosk API, typed by it: a handler returning the wrong data does not compile. */
export type RequestHandlers = {
  [K in RequestKind]: (request: RequestOf<K>, context: RequestContext) => Promise<ReplyData<K>>;
};

/** Runs the handler of the request's kind (exhaustive: a new kind without a case does not compile). */
export function handleRequest(handlers: RequestHandlers, request: Request, context: RequestContext): Promise<ReplyData<RequestKind>> {
  switch (request.kind) {
    case 'identify':
      return handlers.identify(request, context);
    case 'earn':
      return handlers.earn(request, context);
    case 'rotate_key':
      return handlers.rotate_key(request, context);
    case 'redeem':
      return handlers.redeem(request, context);
    case 'redeem_confirm':
      return handlers.redeem_confirm(request, context);
    case 'redeem_cancel':
      return handlers.redeem_cancel(request, context);
    case 'redeem_offline':
      return handlers.redeem_offline(request, context);
    case 'entrance':
      return handlers.entrance(request, context);
    case 'register_start':
      return handlers.register_start(request, context);
    case 'register_verify':
      return handlers.register_verify(request, context);
    case 'register_confirm':
      return handlers.register_confirm(request, context);
    case 'identify_phone_start':
      return handlers.identify_phone_start(request, context);
    case 'identify_phone_verify':
      return handlers.identify_phone_verify(request, context);
    case 'staff_block':
      return handlers.staff_block(request, context);
    case 'staff_replace':
      return handlers.staff_replace(request, context);
    case 'staff_adjust':
      return handlers.staff_adjust(request, context);
    case 'staff_find':
      return handlers.staff_find(request, context);
    case 'staff_find_verify':
      return handlers.staff_find_verify(request, context);
    case 'staff_log':
      return handlers.staff_log(request, context);
    case 'staff_shift':
      return handlers.staff_shift(request, context);
    case 'batch':
      return handlers.batch(request, context);
  }
}

/** The member services the kiosk's journeys use besides the ledger. */
export interface KioskServices {
  redemptions: KioskRedemptions;
  registrations: RegistrationService;
  customers: CustomerService;
  staff: KioskStaff;
  cardTokens: CardTokens;
}

export function createRequestHandlers(ledger: Ledger, registry: KioskRegistry, { redemptions, registrations, customers, staff, cardTokens }: KioskServices): RequestHandlers {
  return {
    register_start: async (request, context) => {
      if (request.staff) await staff.check(request.staff, context);
      const started = await registrations.start({ card: request.card, phone: request.phone, kioskId: context.kioskId, requester: { storeId: context.storeId } });
      return { ...started, phoneMasked: maskPhone(customers.phone(request.phone)) };
    },
    register_verify: (request) => registrations.verify({ registrationId: request.registrationId, code: request.code }),
    register_confirm: async (request, context) => {
      const done = await registrations.complete({
        registrationId: request.registrationId,
        name: request.name,
        marketingConsent: request.marketingConsent,
        actor: await staff.issuer(request.staff, context),
      });
      return { existingCustomer: done.existingCustomer };
    },
    identify_phone_start: async (request, context) => {
      const started = await registrations.startIdentification({ phone: request.phone, kioskId: context.kioskId, requester: { storeId: context.storeId } });
      return { lookupId: started.identificationId, expiresAt: started.expiresAt, phoneMasked: maskPhone(customers.phone(request.phone)) };
    },
    identify_phone_verify: async (request) => {
      // Whether the number has an account is said only after its code was right (as at registration).
      const customer = await registrations.confirmIdentificationById({ identificationId: request.lookupId, code: request.code });
      const card = customer.cards.find((c) => c.status === 'active');
      if (!card) throw new LedgerError('card_not_found', 'this account has no active card; please ask staff');
      return { card: { number: card.number } };
    },
    redeem: (request, context) => redemptions.redeem(request, context),
    staff_block: (request, context) => staff.block(request, context),
    staff_replace: (request, context) => staff.replace(request, context),
    staff_adjust: (request, context) => staff.adjust(request, context),
    staff_find: (request, context) => staff.find(request, context),
    staff_find_verify: (request, context) => staff.findVerify(request, context),
    staff_log: (request, context) => staff.log(request, context),
    staff_shift: (request, context) => staff.shift(request, context),
    // A batch is unpacked by the kiosk link (mqtt/kiosk-link.ts), each request answered on its own.
    batch: async () => {
      throw new LedgerError('invalid_request', 'a batch is answered request by request');
    },
    redeem_confirm: (request, context) => redemptions.confirm(request, context),
    redeem_cancel: (request) => redemptions.cancel(request),
    entrance: (request, context) => ledger.entranceAtKiosk({ opId: request.opId, card: request.card, programId: request.programId, storeId: context.storeId, kioskId: context.kioskId }),
    rotate_key: async (request, context) => {
      let valid = false;
      try {
        valid = verify(null, rotationProofInput(context.kioskId, request.newPublicKey), importPublicKey(request.newPublicKey), Buffer.from(request.proof, 'base64url'));
      } catch {
        valid = false;
      }
      if (!valid) throw new LedgerError('invalid_request', 'the new key did not sign the rotation proof');
      const rotated = await registry.rotateKey(context.kioskId, request.newPublicKey, KEY_OVERLAP_MS);
      return { keyFingerprint: rotated.fingerprint, previousKeyValidUntil: rotated.previousValidUntil };
    },
    identify: async (request, context) => cardTokens.withToken(await ledger.identifyCard(request.card, context.storeId), request.card, context.storeId),
    redeem_offline: async (request, context) => {
      // The journal link is the transport's; the booking is the redemption's own fields.
      const { kind: _kind, journal: _link, ...offline } = request;
      return ledger.redeemOffline({ ...offline, storeId: context.storeId, kioskId: context.kioskId });
    },
    earn: (request, context) =>
      ledger.earn({
        opId: request.opId,
        card: request.card,
        receipt: request.receipt,
        storeId: context.storeId,
        source: `kiosk:${context.kioskId}`,
      }),
  };
}
