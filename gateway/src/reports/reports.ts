/**
 * What finance reads (docs/audit-and-reports.md): the liability (what the program owes now) and
 * a store-local day's movements per store and kiosk. Each is read in one read transaction, so
 * its figures are of one moment of the ledger and add up with `ledger verify`.
 */
import type { SqlClient, SqlExecutor } from '../db/sql.js';
import { LedgerError } from '../ledger/errors.js';
import { PlaceResolver, localDayBounds } from './place.js';

const DAY_MS = 86_400_000;

export interface Money {
  amount: number;
  currency: string;
}

export interface LiabilityReport {
  asOf: string;
  /** outstanding points of every card account, per program, and their value at the program's point value */
  programs: Array<{ programId: string; points: number; accounts: number; pointValue: Money | null; value: Money | null }>;
  /** the sum of every card points account: what `ledger verify` balances against the operator accounts */
  totalPoints: number;
  /** cashback wallets' money per currency */
  wallets: Money[];
  /** points reserved by pending holds (still part of the balances above) */
  openHolds: { count: number; points: number };
  /** points customers owe after refunds took back points already spent */
  clawbackDebt: { accounts: number; points: number };
  /** points that expire within 30 and 90 days from now */
  expiring: { in30Days: number; in90Days: number };
}

export interface DayFigures {
  pointsEarned: number;
  pointsRedeemed: number;
  pointsExpired: number;
  /** net: credits minus debits by adjustments */
  pointsAdjusted: number;
  /** reversed by refunds: taken back from cards, or booked as clawback debt where already spent */
  pointsRefunded: number;
  /** of those, booked as debt (points already spent) */
  clawback: number;
  purchases: number;
  purchaseTotals: Money[];
  registrations: number;
  couponsIssued: number;
  couponsUsed: number;
  staffActions: number;
  /** offline redemptions the balance did not cover (docs/offline.md), and the points paid beyond it */
  offlineExceptions: number;
  offlineOverdraft: number;
}

export interface DailyReport {
  date: string;
  stores: Array<{ storeId: string; timezone: string; from: string; to: string; totals: DayFigures; kiosks: Array<{ kioskId: string | null } & DayFigures> }>;
  /** movements no store is named for (API adjustments), over the UTC day */
  unattributed: DayFigures & { from: string; to: string };
}

export async function liabilityReport(client: SqlClient, now: Date): Promise<LiabilityReport> {
  const tx = await client.transaction('read');
  try {
    const at = now.toISOString();
    const values = await pointValues(tx);
    const programs = (
      await tx.execute(`SELECT COALESCE(c.program_id, '') AS program_id, SUM(a.balance) AS points, COUNT(*) AS accounts
                          FROM accounts a LEFT JOIN cards c ON c.number = a.card_number
                         WHERE a.kind = 'customer' AND a.unit = 'points' AND a.balance <> 0
                         GROUP BY 1 ORDER BY 1`)
    ).rows.map((r) => {
      const points = Number(r.points);
      const pointValue = values.get(String(r.program_id)) ?? null;
      return {
        programId: String(r.program_id),
        points,
        accounts: Number(r.accounts),
        pointValue,
        value: pointValue ? { amount: points * pointValue.amount, currency: pointValue.currency } : null,
      };
    });
    const totalPoints = Number((await tx.execute(`SELECT COALESCE(SUM(balance), 0) AS s FROM accounts WHERE kind = 'customer' AND unit = 'points'`)).rows[0]!.s);
    const wallets = (await tx.execute(`SELECT unit, SUM(balance) AS amount FROM accounts WHERE kind = 'customer' AND unit <> 'points' GROUP BY unit HAVING SUM(balance) <> 0 ORDER BY unit`)).rows.map(
      (r) => ({ currency: String(r.unit), amount: Number(r.amount) }),
    );
    const holds = (await tx.execute({ sql: `SELECT COUNT(*) AS n, COALESCE(SUM(points), 0) AS p FROM holds WHERE state = 'pending' AND expires_at > ?`, args: [at] })).rows[0]!;
    const debts = (await tx.execute('SELECT COUNT(*) AS n, COALESCE(SUM(outstanding), 0) AS p FROM debts WHERE outstanding > 0')).rows[0]!;
    const expiring = async (days: number) =>
      Number(
        (
          await tx.execute({
            sql: 'SELECT COALESCE(SUM(remaining), 0) AS p FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?',
            args: [at, new Date(now.getTime() + days * DAY_MS).toISOString()],
          })
        ).rows[0]!.p,
      );
    return {
      asOf: at,
      programs,
      totalPoints,
      wallets,
      openHolds: { count: Number(holds.n), points: Number(holds.p) },
      clawbackDebt: { accounts: Number(debts.n), points: Number(debts.p) },
      expiring: { in30Days: await expiring(30), in90Days: await expiring(90) },
    };
  } finally {
    tx.close();
  }
}

/** Each program's point value in its currency, from its newest published version. */
async function pointValues(db: SqlExecutor): Promise<Map<string, Money>> {
  const rows = (
    await db.execute(`SELECT v.program_id, v.document FROM program_versions v
                       WHERE v.published_at IS NOT NULL
                         AND v.version = (SELECT MAX(w.version) FROM program_versions w WHERE w.program_id = v.program_id AND w.published_at IS NOT NULL)`)
  ).rows;
  const values = new Map<string, Money>();
  for (const row of rows) {
    const document = JSON.parse(String(row.document)) as { currency?: string; redemption?: { pointValue?: number } };
    if (document.currency && document.redemption?.pointValue !== undefined) values.set(String(row.program_id), { amount: document.redemption.pointValue, currency: document.currency });
  }
  return values;
}

function emptyFigures(): DayFigures {
  return {
    pointsEarned: 0,
    pointsRedeemed: 0,
    pointsExpired: 0,
    pointsAdjusted: 0,
    pointsRefunded: 0,
    clawback: 0,
    purchases: 0,
    purchaseTotals: [],
    registrations: 0,
    couponsIssued: 0,
    couponsUsed: 0,
    staffActions: 0,
    offlineExceptions: 0,
    offlineOverdraft: 0,
  };
}

type Figure = Exclude<keyof DayFigures, 'purchaseTotals'>;

/** Accumulates figures per store and kiosk, keeping only what falls inside its store's local day. */
class DayBook {
  readonly stores = new Map<string, { timezone: string; from: string; to: string; kiosks: Map<string | null, DayFigures> }>();
  readonly unattributed: DayFigures = emptyFigures();

  constructor(readonly utcDay: { from: string; to: string }) {}

  figuresFor(storeId: string | null, kioskId: string | null, at: string): DayFigures | null {
    if (storeId === null) return at >= this.utcDay.from && at < this.utcDay.to ? this.unattributed : null;
    const store = this.stores.get(storeId);
    if (!store || at < store.from || at >= store.to) return null;
    const figures = store.kiosks.get(kioskId) ?? emptyFigures();
    store.kiosks.set(kioskId, figures);
    return figures;
  }

  add(storeId: string | null, kioskId: string | null, at: string, figure: Figure, amount: number): void {
    const figures = this.figuresFor(storeId, kioskId, at);
    if (figures) figures[figure] += amount;
  }
}

export async function dailyReport(client: SqlClient, query: { date: string; storeId?: string }): Promise<DailyReport> {
  const tx = await client.transaction('read');
  try {
    const stores = (await tx.execute(query.storeId ? { sql: 'SELECT id, timezone FROM stores WHERE id = ?', args: [query.storeId] } : 'SELECT id, timezone FROM stores ORDER BY id')).rows.map((r) => ({
      id: String(r.id),
      timezone: String(r.timezone),
    }));
    if (query.storeId && !stores.length) throw new LedgerError('store_not_found', `no store ${query.storeId}`);
    const book = new DayBook(localDayBounds(query.date, 'UTC'));
    for (const store of stores) book.stores.set(store.id, { timezone: store.timezone, ...localDayBounds(query.date, store.timezone), kiosks: new Map() });
    // One window covering every zone's day (UTC-12 to UTC+14); each row is then kept by its own store's day.
    const from = new Date(Date.parse(book.utcDay.from) - 14 * 3_600_000).toISOString();
    const to = new Date(Date.parse(book.utcDay.to) + 12 * 3_600_000).toISOString();
    const places = new PlaceResolver(tx);

    const movements = (
      await tx.execute({
        sql: `SELECT t.amount, t.kind, t.refs, t.at, d.code AS debit, d.kind AS debit_kind, c.code AS credit, c.kind AS credit_kind
                FROM transfers t JOIN accounts d ON d.id = t.debit_account JOIN accounts c ON c.id = t.credit_account
               WHERE t.unit = 'points' AND t.at >= ? AND t.at < ?`,
        args: [from, to],
      })
    ).rows;
    for (const m of movements) {
      const figures = classify(String(m.debit), String(m.debit_kind), String(m.credit), String(m.credit_kind));
      if (!figures.length) continue;
      const place = await places.ofTransfer(JSON.parse(String(m.refs)) as Record<string, unknown>);
      // sign 0 counts the movement itself (one exception), not its points.
      for (const { figure, sign } of figures) book.add(place.storeId, place.kioskId, String(m.at), figure, sign === 0 ? 1 : sign * Number(m.amount));
    }

    const purchases = (
      await tx.execute({
        sql: `SELECT p.store_id, p.total, p.currency, p.created_at,
                     (SELECT json_extract(t.refs, '$.source') FROM transfers t WHERE json_extract(t.refs, '$.purchase') = p.id LIMIT 1) AS source
                FROM purchases p WHERE p.created_at >= ? AND p.created_at < ?`,
        args: [from, to],
      })
    ).rows;
    for (const p of purchases) {
      const kioskId = /^kiosk:(.+)$/.exec(String(p.source ?? ''))?.[1] ?? null;
      const figures = book.figuresFor(String(p.store_id), kioskId, String(p.created_at));
      if (!figures) continue;
      figures.purchases += 1;
      addMoney(figures.purchaseTotals, { amount: Number(p.total), currency: String(p.currency) });
    }

    const registrations = (
      await tx.execute({
        sql: `SELECT r.confirmed_at, o.kiosk_id FROM registrations r JOIN otp_codes o ON o.id = r.otp_id WHERE r.state = 'confirmed' AND r.confirmed_at >= ? AND r.confirmed_at < ?`,
        args: [from, to],
      })
    ).rows;
    for (const r of registrations) {
      const kioskId = r.kiosk_id === null ? null : String(r.kiosk_id);
      book.add(kioskId ? await places.storeOfKiosk(kioskId) : null, kioskId, String(r.confirmed_at), 'registrations', 1);
    }

    const issued = (await tx.execute({ sql: 'SELECT c.created_at, t.refs FROM coupons c JOIN transfers t ON t.id = c.transfer_id WHERE c.created_at >= ? AND c.created_at < ?', args: [from, to] }))
      .rows;
    for (const c of issued) {
      const place = await places.ofTransfer(JSON.parse(String(c.refs)) as Record<string, unknown>);
      book.add(place.storeId, place.kioskId, String(c.created_at), 'couponsIssued', 1);
    }
    const used = (await tx.execute({ sql: 'SELECT used_at, used_store FROM coupons WHERE used_at >= ? AND used_at < ?', args: [from, to] })).rows;
    for (const c of used) book.add(c.used_store === null ? null : String(c.used_store), null, String(c.used_at), 'couponsUsed', 1);

    const staff = (await tx.execute({ sql: `SELECT at, place FROM audit_log WHERE place LIKE 'kiosk:%' AND at >= ? AND at < ?`, args: [from, to] })).rows;
    for (const s of staff) {
      const kioskId = String(s.place).slice('kiosk:'.length);
      book.add(await places.storeOfKiosk(kioskId), kioskId, String(s.at), 'staffActions', 1);
    }

    return {
      date: query.date,
      stores: [...book.stores.entries()].map(([storeId, store]) => {
        const kiosks = [...store.kiosks.entries()].sort(([a], [b]) => (a ?? '').localeCompare(b ?? '')).map(([kioskId, figures]) => ({ kioskId, ...figures }));
        return { storeId, timezone: store.timezone, from: store.from, to: store.to, totals: sumFigures(kiosks), kiosks };
      }),
      unattributed: { ...book.unattributed, ...book.utcDay },
    };
  } finally {
    tx.close();
  }
}

/**
 * Which figures a points movement counts for, by the accounts it moves between. A refund takes
 * its points back from the card and, for points already spent, books them as clawback debt: both
 * are refunded points, and the second is also clawback.
 */
function classify(debit: string, debitKind: string, credit: string, creditKind: string): Array<{ figure: Figure; sign: 1 | 0 | -1 }> {
  if (creditKind === 'customer') {
    if (debit === 'op:issued:points') return [{ figure: 'pointsEarned', sign: 1 }];
    if (debit === 'op:adjustments:points') return [{ figure: 'pointsAdjusted', sign: 1 }];
    return [];
  }
  if (debitKind === 'customer') {
    if (credit === 'op:redeemed:points') return [{ figure: 'pointsRedeemed', sign: 1 }];
    if (credit === 'op:expired:points') return [{ figure: 'pointsExpired', sign: 1 }];
    if (credit === 'op:adjustments:points') return [{ figure: 'pointsAdjusted', sign: -1 }];
    if (credit === 'op:issued:points') return [{ figure: 'pointsRefunded', sign: 1 }];
    return [];
  }
  // An offline redemption the balance did not cover (docs/offline.md): paid out all the same.
  if (debit === 'op:offline_overdraft:points' && credit === 'op:redeemed:points') {
    return [
      { figure: 'pointsRedeemed', sign: 1 },
      { figure: 'offlineOverdraft', sign: 1 },
      { figure: 'offlineExceptions', sign: 0 },
    ];
  }
  if (debit === 'op:clawback:points' && credit === 'op:issued:points') {
    return [
      { figure: 'pointsRefunded', sign: 1 },
      { figure: 'clawback', sign: 1 },
    ];
  }
  return [];
}

function addMoney(totals: Money[], money: Money): void {
  const existing = totals.find((t) => t.currency === money.currency);
  if (existing) existing.amount += money.amount;
  else totals.push({ ...money });
  totals.sort((a, b) => a.currency.localeCompare(b.currency));
}

function sumFigures(rows: DayFigures[]): DayFigures {
  const total = emptyFigures();
  for (const row of rows) {
    for (const key of Object.keys(total) as Array<keyof DayFigures>) {
      if (key === 'purchaseTotals') for (const money of row.purchaseTotals) addMoney(total.purchaseTotals, money);
      else total[key] += row[key];
    }
  }
  return total;
}

export const DAY_FIGURES: Array<Exclude<keyof DayFigures, 'purchaseTotals'>> = [
  'pointsEarned',
  'pointsRedeemed',
  'pointsExpired',
  'pointsAdjusted',
  'pointsRefunded',
  'clawback',
  'purchases',
  'registrations',
  'couponsIssued',
  'couponsUsed',
  'staffActions',
  'offlineExceptions',
  'offlineOverdraft',
];

/** The daily report as CSV: one row per store and kiosk (kiosk empty: the till and API), then the store's total. */
export function dailyCsv(report: DailyReport): string {
  const header = ['date', 'storeId', 'kioskId', ...DAY_FIGURES, 'purchaseTotals'];
  const line = (storeId: string, kioskId: string, f: DayFigures) => [report.date, storeId, kioskId, ...DAY_FIGURES.map((k) => String(f[k])), moneyList(f.purchaseTotals)];
  const rows = [header];
  for (const store of report.stores) {
    for (const kiosk of store.kiosks) rows.push(line(store.storeId, kiosk.kioskId ?? '', kiosk));
    rows.push(line(store.storeId, 'TOTAL', store.totals));
  }
  rows.push(line('', 'UNATTRIBUTED', report.unattributed));
  return toCsv(rows);
}

/** The liability as CSV: `section,key,unit,amount` rows. */
export function liabilityCsv(report: LiabilityReport): string {
  const rows = [['section', 'key', 'unit', 'amount']];
  for (const p of report.programs) {
    rows.push(['points', p.programId, 'points', String(p.points)]);
    if (p.value) rows.push(['value', p.programId, p.value.currency, String(p.value.amount)]);
  }
  rows.push(['points', 'TOTAL', 'points', String(report.totalPoints)]);
  for (const w of report.wallets) rows.push(['wallet', '', w.currency, String(w.amount)]);
  rows.push(['open_holds', String(report.openHolds.count), 'points', String(report.openHolds.points)]);
  rows.push(['clawback_debt', String(report.clawbackDebt.accounts), 'points', String(report.clawbackDebt.points)]);
  rows.push(['expiring', '30d', 'points', String(report.expiring.in30Days)]);
  rows.push(['expiring', '90d', 'points', String(report.expiring.in90Days)]);
  return toCsv(rows);
}

function moneyList(totals: Money[]): string {
  return totals.map((m) => `${m.currency} ${m.amount}`).join('; ');
}

/** RFC 4180: fields with a comma, quote or line break are quoted. */
function toCsv(rows: string[][]): string {
  return `${rows.map((row) => row.map((field) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',')).join('\r\n')}\r\n`;
}
