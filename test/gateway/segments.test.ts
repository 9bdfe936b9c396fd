/**
 * Segments (docs/segments.md) over a real ledger file: a seeded set of five customers with
 * birthdays, purchases at two stores over a year and more, tiers, memberships (one expired) and one
 * erased customer; each rule kind counted by hand; paging; a promotion targeted at a segment is in
 * the member's snapshot and in the quote, and nobody else's; a program that targets a segment
 * nobody defined is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import type { SegmentInput, SegmentRule } from '@loyalty/protocol';
import { STORE, callApi, startGateway, tempDir } from '../support/system.js';
import { POINTS_DOC, pointsWith } from '../support/programs.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

describe('segments', () => {
  const dir = tempDir('gw-segments');
  let gateway: Gateway;
  let admin: string;
  let at = NOW;
  const clock = { now: () => new Date(at) };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path, {}, clock));
    admin = (await gateway.tokens.create('admin', 'segments')).token;
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await gateway.directory.ensureStore({ id: 'store-2', name: 'Second', timezone: 'Europe/Berlin' });
    await gateway.directory.ensureProgram({ id: 'club', name: 'Club' });
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    const people: Array<[string, string, string | null]> = [
      ['anna', '10009', '1990-03-08'],
      ['boris', '10017', '1985-12-24'],
      ['clara', '10025', null],
      ['dmitri', '10033', '2000-03-30'],
      ['eva', '10041', '1999-03-01'],
    ];
    for (const [name, number, birthday] of people) {
      ids[name] = (await gateway.customers.create({ name, ...(birthday ? { birthday } : {}) })).id;
      await gateway.directory.issueCard({ number, programId: 'points', customerId: ids[name] });
    }
    const buy = async (number: string, daysAgo: number, storeId: string, category: string, amount: number) => {
      at = NOW - daysAgo * DAY;
      await gateway.ledger.purchase({
        opId: `0190b5a0-0000-7000-8000-${String(Math.round(daysAgo * 100)).padStart(8, '0')}${number.slice(-4)}`,
        card: { number },
        storeId,
        currency: 'EUR',
        items: [{ sku: category, category, quantity: 1, unitPrice: amount }],
        source: 'test',
      });
    };
    await buy('10033', 400, 'store-1', 'dairy', 500);
    await buy('10017', 200, 'store-2', 'produce', 1500);
    await buy('10017', 100, 'store-2', 'electronics', 60_000);
    await buy('10009', 30, 'store-1', 'dairy', 1000);
    await buy('10009', 5, 'store-1', 'bakery', 2000);
    await buy('10041', 2, 'store-1', 'dairy', 800);
    at = NOW;
    const membership = (customer: string, validUntil: number) =>
      gateway.db.execute({
        sql: 'INSERT INTO memberships (customer_id, program_id, valid_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        args: [customer, 'club', new Date(validUntil).toISOString(), new Date(NOW).toISOString(), new Date(NOW).toISOString()],
      });
    await membership(ids.clara!, NOW + 30 * DAY);
    await membership(ids.dmitri!, NOW - DAY);
    await gateway.customers.erase(ids.eva!, 'test');
  });
  afterAll(async () => {
    await gateway?.stop();
    dir.remove();
  });

  let n = 0;
  /** The members of a new segment with these rules, as names. */
  async function members(...rules: SegmentRule[]): Promise<string[]> {
    const id = `s${++n}`;
    const stored = await callApi(gateway.httpUrl, admin, 'PUT', `/segments/${id}`, { name: id, rules } satisfies Omit<SegmentInput, 'id'>);
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    const page = await callApi(gateway.httpUrl, admin, 'GET', `/segments/${id}/members?limit=100`);
    expect(page.body.count).toBe(page.body.items.length);
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    return (page.body.items as string[]).map((i) => names[i]!).sort();
  }

  it('counts each rule kind as done by hand, never the erased customer', async () => {
    expect(await members({ kind: 'birthday_month', months: [3] })).toEqual(['anna', 'dmitri']);
    expect(await members({ kind: 'birthday_month', months: [12, 1] })).toEqual(['boris']);
    expect(await members({ kind: 'days_since_last_purchase', min: 30 })).toEqual(['boris', 'dmitri']);
    expect(await members({ kind: 'days_since_last_purchase', max: 7 })).toEqual(['anna']);
    expect(await members({ kind: 'days_since_last_purchase', min: 5, max: 5 })).toEqual(['anna']);
    expect(await members({ kind: 'spend', windowDays: 365, min: 50_000 })).toEqual(['boris']);
    expect(await members({ kind: 'spend', windowDays: 365, max: 5000 })).toEqual(['anna', 'clara', 'dmitri']);
    expect(await members({ kind: 'spend', windowDays: 60, min: 3000, max: 3000 })).toEqual(['anna']);
    expect(await members({ kind: 'visits', windowDays: 90, min: 2 })).toEqual(['anna']);
    expect(await members({ kind: 'visits', windowDays: 365, min: 1, max: 1 })).toEqual([]);
    expect(await members({ kind: 'visits', windowDays: 500, min: 1, max: 1 })).toEqual(['dmitri']);
    expect(await members({ kind: 'tier', tiers: ['gold'] })).toEqual(['boris']);
    expect(await members({ kind: 'tier', tiers: ['silver'] })).toEqual(['anna', 'dmitri']);
    expect(await members({ kind: 'home_store', stores: ['store-2'] })).toEqual(['boris']);
    expect(await members({ kind: 'home_store', stores: ['store-1'] })).toEqual(['anna']);
    expect(await members({ kind: 'categories_bought', categories: ['dairy'], windowDays: 60 })).toEqual(['anna']);
    expect(await members({ kind: 'categories_bought', categories: ['dairy', 'produce'], windowDays: 500 })).toEqual(['anna', 'boris', 'dmitri']);
    expect(await members({ kind: 'membership', programs: ['club'] })).toEqual(['clara']);
    // Every rule must hold.
    expect(await members({ kind: 'birthday_month', months: [3] }, { kind: 'days_since_last_purchase', max: 7 })).toEqual(['anna']);
  });

  it('pages the member list by id with the count, and keeps every version of a segment', async () => {
    await callApi(gateway.httpUrl, admin, 'PUT', '/segments/everyone', { name: 'Bought in two years', rules: [{ kind: 'visits', windowDays: 730, min: 1 }] });
    const first = await callApi(gateway.httpUrl, admin, 'GET', '/segments/everyone/members?limit=2');
    expect(first.body).toMatchObject({ count: 3, version: 1 });
    expect(first.body.items).toHaveLength(2);
    const second = await callApi(gateway.httpUrl, admin, 'GET', `/segments/everyone/members?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].sort()).toEqual([ids.anna, ids.boris, ids.dmitri].sort());
    // No personal data in the list: ids only.
    expect(JSON.stringify(first.body)).not.toMatch(/anna|boris|1990/);

    await callApi(gateway.httpUrl, admin, 'PUT', '/segments/everyone', { name: 'Bought this year', rules: [{ kind: 'visits', windowDays: 365, min: 1 }] });
    expect((await callApi(gateway.httpUrl, admin, 'GET', '/segments/everyone')).body).toMatchObject({ version: 2, name: 'Bought this year' });
    expect((await callApi(gateway.httpUrl, admin, 'GET', '/segments/everyone/members')).body).toMatchObject({ count: 2, version: 2 });
    const versions = await gateway.db.execute({ sql: `SELECT version FROM segment_versions WHERE segment_id = 'everyone' ORDER BY version` });
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2]);

    const bad = await callApi(gateway.httpUrl, admin, 'PUT', '/segments/bad', { name: 'Bad', rules: [{ kind: 'spend', windowDays: 30 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'rules.0.min', message: 'give min, max or both' });
    expect((await callApi(gateway.httpUrl, admin, 'GET', '/segments/none/members')).status).toBe(404);
  });

  it('puts the segments a promotion targets in the member snapshot, so the promotion reaches its members only', async () => {
    const targeted = pointsWith({
      promotions: [{ id: 'march-dairy', name: 'Double dairy for March birthdays', categories: ['dairy'], multiplier: 2, segment: 'march' }],
    });
    const refused = await callApi(gateway.httpUrl, admin, 'PUT', '/programs/points', targeted);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_program', details: [expect.objectContaining({ field: 'promotions.0.segment' })] });

    await callApi(gateway.httpUrl, admin, 'PUT', '/segments/march', { name: 'March birthdays', rules: [{ kind: 'birthday_month', months: [3] }] });
    expect((await callApi(gateway.httpUrl, admin, 'PUT', '/programs/points', targeted)).status).toBe(200);
    await gateway.programs.publish('points', undefined, 'test');

    const anna = await gateway.ledger.identify({ number: '10009' }, STORE.id);
    const boris = await gateway.ledger.identify({ number: '10017' }, STORE.id);
    expect(anna.member?.segments).toEqual(['march']);
    expect(boris.member?.segments).toEqual([]);
    const quote = async (number: string) => {
      const member = (await gateway.ledger.identify({ number }, STORE.id)).member;
      const response = await callApi(gateway.httpUrl, admin, 'POST', '/quotes', {
        storeId: STORE.id,
        currency: 'EUR',
        items: [{ sku: 'milk', category: 'dairy', quantity: 1, unitPrice: 1000 }],
        member,
      });
      return response.body.lines.map((l: { rule: string }) => l.rule) as string[];
    };
    expect(await quote('10009')).toContain('points@v2:promotion:march-dairy');
    expect(await quote('10017')).not.toContain('points@v2:promotion:march-dairy');
  });
});
