/**
 * What the gateway does for each kiosk request kind: a table keyed by kind (CONVENTIONS 5).
 * A handler returns the reply data or throws a LedgerError with a named code.
 */
import type { Request, RequestKind } from '@loyalty/protocol';
import type { Ledger } from './ledger/ledger.js';

export interface RequestContext {
  kioskId: string;
  storeId: string;
}

export type RequestHandlers = {
  [K in RequestKind]: (request: Extract<Request, { kind: K }>, context: RequestContext) => Promise<unknown>;
};

export function createRequestHandlers(ledger: Ledger): RequestHandlers {
  return {
    identify: (request) => ledger.identify(request.card),
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
