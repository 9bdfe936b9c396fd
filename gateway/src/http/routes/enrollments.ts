/** Pairing codes: created by an admin; claimed by a kiosk without a token (the code is the credential). */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { clientAddress } from '../rate-limit.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { EnrollmentGrant, PairingCode, StoreIdParam } from '../schemas.js';

export const ClaimBody = z.strictObject({ code: z.string().min(4).max(32), publicKey: z.string().max(64), proof: z.string().max(128), kioskId: z.string().max(64).optional() });
export const EnrollmentBody = z.strictObject({ storeId: StoreIdParam });

/** The claim route: no token, so it is registered on the unauthenticated part of the API. */
export function enrollmentClaimRoute(open: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'enrollments'>): void {
  defineRoute(
    open,
    routes,
    {
      method: 'post',
      path: '/enrollments/claim',
      operationId: 'claimPairingCode',
      summary: 'A kiosk claims a pairing code with proof of its key (no token: the code is the credential)',
      roles: 'none',
      body: ClaimBody,
      response: EnrollmentGrant,
      status: 201,
      errors: ['otp_rate_limited'],
    },
    async (c, { body }) => {
      return deps.enrollments.claim({ ...body, source: clientAddress(c) });
    },
  );
}

export function enrollmentRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'enrollments'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/enrollments',
      operationId: 'createPairingCode',
      summary: 'A one-time pairing code for a store (15 minutes)',
      roles: ['admin'],
      body: EnrollmentBody,
      response: PairingCode,
      status: 201,
      errors: ['store_not_found'],
    },
    async (_c, { body }) => deps.enrollments.create(body.storeId),
  );
}
