/** Customers (docs/api.md "Customers and cards"): create, find by phone, details, export, erasure. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { Customer, CustomerDetail, CustomerExport, CustomerList, Erased, Text } from '../schemas.js';

export const NewCustomer = z.strictObject({
  name: Text(1, 200),
  phone: z.string().max(40).optional(),
  email: z.email().max(254).optional(),
  birthday: z.iso.date().optional(),
  referredBy: z.string().uuid().optional(),
  marketingConsent: z.boolean().optional(),
});
const IdParam = z.object({ id: z.string().min(1).max(64) });

export function customerRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'customers'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/customers',
      operationId: 'createCustomer',
      summary: 'Create a customer (phone normalised to E.164, unique)',
      roles: ['pos'],
      body: NewCustomer,
      response: Customer,
      status: 201,
      errors: ['phone_taken', 'customer_not_found'],
    },
    async (_c, { body, actor }) => deps.customers.create(body, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/customers',
      operationId: 'findCustomers',
      summary: 'Find customers by ?phone= (a full number)',
      roles: ['pos', 'viewer'],
      query: z.object({ phone: z.string().min(3).max(40) }),
      response: CustomerList,
    },
    async (_c, { query }) => ({
      items: await deps.customers.findByPhone(query.phone),
      nextCursor: null,
    }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/customers/:id',
      operationId: 'getCustomer',
      summary: 'A customer with cards, balances and lots',
      roles: ['pos', 'viewer'],
      params: IdParam,
      response: CustomerDetail,
      errors: ['customer_not_found'],
    },
    async (_c, { params }) => deps.customers.details(params.id),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/customers/:id/export',
      operationId: 'exportCustomer',
      summary: 'Everything held about the person',
      roles: ['admin'],
      params: IdParam,
      response: CustomerExport,
      errors: ['customer_not_found'],
    },
    async (_c, { params }) => deps.customers.export(params.id),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/customers/:id/erase',
      operationId: 'eraseCustomer',
      summary: 'Anonymise the person; the ledger stays whole',
      roles: ['admin'],
      params: IdParam,
      response: Erased,
      errors: ['customer_not_found'],
    },
    async (_c, { params, actor }) => deps.customers.erase(params.id, actor),
  );
}
