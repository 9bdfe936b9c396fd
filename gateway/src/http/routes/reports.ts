/** Reports and the audit log (docs/api.md "Reports"; docs/audit-and-reports.md). */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { readAudit, AuditRecord } from '../../audit/audit-log.js';
import { dailyCsv, dailyReport, liabilityCsv, liabilityReport } from '../../reports/reports.js';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { CardNumber, StoreIdParam } from '../schemas.js';

const Money = z.object({ amount: z.number().int(), currency: z.string() });
const LiabilityView = z.object({
  asOf: z.string(),
  programs: z.array(z.object({ programId: z.string(), points: z.number().int(), accounts: z.number().int(), pointValue: Money.nullable(), value: Money.nullable() })),
  totalPoints: z.number().int(),
  wallets: z.array(Money),
  openHolds: z.object({ count: z.number().int(), points: z.number().int() }),
  clawbackDebt: z.object({ accounts: z.number().int(), points: z.number().int() }),
  expiring: z.object({ in30Days: z.number().int(), in90Days: z.number().int() }),
});
const DayFigures = z.object({
  pointsEarned: z.number().int(),
  pointsRedeemed: z.number().int(),
  pointsExpired: z.number().int(),
  pointsAdjusted: z.number().int(),
  pointsRefunded: z.number().int(),
  clawback: z.number().int(),
  purchases: z.number().int(),
  purchaseTotals: z.array(Money),
  registrations: z.number().int(),
  couponsIssued: z.number().int(),
  couponsUsed: z.number().int(),
  staffActions: z.number().int(),
  offlineExceptions: z.number().int(),
  offlineOverdraft: z.number().int(),
});
const DailyView = z.object({
  date: z.string(),
  stores: z.array(
    z.object({ storeId: z.string(), timezone: z.string(), from: z.string(), to: z.string(), totals: DayFigures, kiosks: z.array(DayFigures.extend({ kioskId: z.string().nullable() })) }),
  ),
  unattributed: DayFigures.extend({ from: z.string(), to: z.string() }),
});
const LocalDate = z.iso.date('a date such as 2026-11-29');
const Instant = z.iso.datetime({ offset: true });

function wantsCsv(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/csv') || c.req.query('format') === 'csv';
}

function csv(c: Context, body: string, name: string): Response {
  return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"` });
}

const OfflineException = z.object({
  opId: z.string(),
  cardNumberMasked: z.string(),
  storeId: z.string(),
  kioskId: z.string(),
  points: z.number().int(),
  posted: z.number().int(),
  overdraft: z.number().int(),
  redeemedAt: z.string(),
  bookedAt: z.string(),
  cardOutstanding: z.number().int(),
});

export function reportRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'db' | 'clock' | 'ledger'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/reports/offline-exceptions',
      operationId: 'offlineExceptions',
      summary: 'Offline redemptions the balance no longer covered when they were booked, with the overdraft each left on its card (?from=&to=&storeId=; default the last 7 days)',
      roles: ['viewer'],
      query: z.object({ from: Instant.optional(), to: Instant.optional(), storeId: StoreIdParam.optional(), limit: z.coerce.number().int().min(1).max(1000).default(500) }),
      response: z.object({ from: z.string(), to: z.string(), items: z.array(OfflineException), overdraft: z.number().int() }),
    },
    async (_c, { query }) => {
      const to = query.to === undefined ? deps.clock.now().toISOString() : new Date(query.to).toISOString();
      const from = query.from === undefined ? new Date(Date.parse(to) - 7 * 86_400_000).toISOString() : new Date(query.from).toISOString();
      const items = await deps.ledger.offlineExceptions({ from, to, ...(query.storeId ? { storeId: query.storeId } : {}), limit: query.limit });
      return { from, to, items, overdraft: items.reduce((sum, e) => sum + e.overdraft, 0) };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/reports/liability',
      operationId: 'liabilityReport',
      summary: 'What the program owes now: points per program and their value, wallet money, open holds, clawback debt, points expiring in 30/90 days (Accept: text/csv for CSV)',
      roles: ['viewer'],
      response: LiabilityView,
      csv: true,
    },
    async (c) => {
      const report = await liabilityReport(deps.db, deps.clock.now());
      return wantsCsv(c) ? csv(c, liabilityCsv(report), `liability-${report.asOf.slice(0, 10)}`) : report;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/reports/daily',
      operationId: 'dailyReport',
      summary: 'A store-local day per store and kiosk: points earned, redeemed, expired, adjusted, refunded; purchases; registrations; coupons; staff actions (Accept: text/csv for CSV)',
      roles: ['viewer'],
      query: z.object({ date: LocalDate, storeId: StoreIdParam.optional() }),
      response: DailyView,
      csv: true,
      errors: ['store_not_found'],
    },
    async (c, { query }) => {
      const report = await dailyReport(deps.db, query);
      return wantsCsv(c) ? csv(c, dailyCsv(report), `daily-${query.date}${query.storeId ? `-${query.storeId}` : ''}`) : report;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/audit',
      operationId: 'auditLog',
      summary: 'Every staff action and every API action that changed a card, a customer, a balance or the staff, oldest first (?cardNumber=&staffId=&from=&to=&limit=&cursor=)',
      roles: ['viewer'],
      query: z.object({
        cardNumber: CardNumber.optional(),
        staffId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .optional(),
        from: Instant.optional(),
        to: Instant.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        cursor: z
          .string()
          .regex(/^\d{1,15}$/, 'a value from nextCursor')
          .optional(),
      }),
      response: z.object({ items: z.array(AuditRecord), nextCursor: z.string().nullable() }),
    },
    async (_c, { query }) =>
      readAudit(deps.db, {
        ...query,
        from: query.from === undefined ? undefined : new Date(query.from).toISOString(),
        to: query.to === undefined ? undefined : new Date(query.to).toISOString(),
      }),
  );
}
