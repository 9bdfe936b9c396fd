/** Registration and identification by phone with an SMS code (docs/customers-and-cards.md). */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { CustomerDetail, IdentificationStarted, RegistrationConfirmed, RegistrationStarted, Text } from '../schemas.js';
import { CardField } from './value.js';

const Code = z.string().regex(/^\d{6}$/, 'the code is 6 digits');
const IdParam = z.object({ id: z.string().min(1).max(64) });
const OTP_ERRORS = ['otp_invalid', 'otp_expired', 'otp_locked', 'otp_rate_limited'] as const;
export const RegistrationBody = z.strictObject({ card: CardField, phone: z.string().max(40), name: Text(1, 200).optional() });
export const CodeBody = z.strictObject({ code: Code });
export const IdentificationBody = z.strictObject({ phone: z.string().max(40) });
export const IdentificationConfirmBody = z.strictObject({ phone: z.string().max(40), code: Code });

export function registrationRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'registrations'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/registrations',
      operationId: 'startRegistration',
      summary: 'Register a card with a phone: sends an SMS code',
      roles: ['pos'],
      body: RegistrationBody,
      response: RegistrationStarted,
      status: 202,
      errors: ['card_not_found', 'card_blocked', 'phone_taken', ...OTP_ERRORS],
    },
    async (c, { body }) => deps.registrations.start({ ...body, requester: { tokenId: c.get('tokenId') } }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/registrations/:id/confirm',
      operationId: 'confirmRegistration',
      summary: 'Confirm with the code: the card becomes the customer’s and active',
      roles: ['pos'],
      params: IdParam,
      body: CodeBody,
      response: RegistrationConfirmed,
      errors: ['registration_not_found', ...OTP_ERRORS],
    },
    async (_c, { params, body, actor }) => deps.registrations.confirm({ registrationId: params.id, code: body.code, actor }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/identifications',
      operationId: 'startIdentification',
      summary: 'Identify a customer by phone: sends an SMS code',
      roles: ['pos'],
      body: IdentificationBody,
      response: IdentificationStarted,
      status: 202,
      errors: [...OTP_ERRORS],
    },
    async (c, { body }) => deps.registrations.startIdentification({ ...body, requester: { tokenId: c.get('tokenId') } }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/identifications/:id/confirm',
      operationId: 'confirmIdentification',
      summary: 'Confirm with the code: the customer with cards',
      roles: ['pos'],
      params: IdParam,
      body: IdentificationConfirmBody,
      response: CustomerDetail,
      errors: ['customer_not_found', ...OTP_ERRORS],
    },
    async (_c, { params, body }) => deps.registrations.confirmIdentification({ identificationId: params.id, ...body }),
  );
}
