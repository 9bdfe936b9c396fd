/**
 * The console's reports (docs/console.md, docs/audit-and-reports.md): the liability now, one
 * store-local day per store and kiosk, and points earned, redeemed and expired per day over a
 * range as a bar chart. The chart is inline SVG drawn here: no chart library to load, readable
 * without script, and its figures are in a table beside it for screen readers.
 */
import { html, raw } from 'hono/html';
import type { StoreView } from '../ledger/directory.js';
import { DAY_FIGURES, type DailyReport, type DayFigures, type LiabilityReport } from '../reports/reports.js';
import type { Fragment, PageContext } from './layout.js';

export interface ReportsData {
  stores: StoreView[];
  liability: LiabilityReport;
  daily: DailyReport;
  storeId: string;
  /** how many days the chart covers, up to the date */
  days: number;
  /** per day of the range, oldest first: earned, redeemed, expired (the stores asked for, summed) */
  series: Array<{ date: string; earned: number; redeemed: number; expired: number }>;
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

export function reportsBody(ctx: PageContext, data: ReportsData): Fragment {
  const w = ctx.words.reports;
  const l = data.liability;
  const csvQuery = new URLSearchParams({ date: data.daily.date, ...(data.storeId ? { storeId: data.storeId } : {}) });
  return html`<h1>${w.title}</h1>
    <h2 id="liability">${w.liability}</h2>
    <table aria-labelledby="liability">
      <thead><tr><th scope="col">${w.program}</th><th scope="col" class="num">${w.points}</th><th scope="col" class="num">${w.cards}</th><th scope="col" class="num">${w.value}</th></tr></thead>
      <tbody>
        ${l.programs.map((p) => html`<tr><th scope="row">${p.programId}</th><td class="num">${p.points}</td><td class="num">${p.accounts}</td><td class="num">${p.value ? money(p.value.amount, p.value.currency) : '–'}</td></tr>`)}
        <tr><th scope="row">${w.total}</th><td class="num" data-field="total-points">${l.totalPoints}</td><td></td><td></td></tr>
      </tbody>
    </table>
    <dl class="facts">
      ${l.wallets.map((m) => html`<dt>${w.wallets} ${m.currency}</dt><dd>${money(m.amount, m.currency)}</dd>`)}
      <dt>${w.holds}</dt><dd>${l.openHolds.count} · ${l.openHolds.points} ${w.pointsUnit}</dd>
      <dt>${w.clawback}</dt><dd>${l.clawbackDebt.accounts} · ${l.clawbackDebt.points} ${w.pointsUnit}</dd>
      <dt>${w.expiring30}</dt><dd>${l.expiring.in30Days}</dd>
      <dt>${w.expiring90}</dt><dd>${l.expiring.in90Days}</dd>
    </dl>
    <p><a href="/admin/reports/liability.csv" download>${w.csv}</a></p>

    <h2 id="day">${w.daily}</h2>
    <form method="get" action="/admin/reports" class="card">
      <label>${w.date} <input type="date" name="date" value="${data.daily.date}" required></label>
      <label>${ctx.words.fleet.store}
        <select name="storeId">
          <option value="">${ctx.words.fleet.allStores}</option>
          ${data.stores.map((s) => html`<option value="${s.id}" ${s.id === data.storeId ? 'selected' : ''}>${s.name} (${s.id})</option>`)}
        </select>
      </label>
      <label>${w.range}
        <select name="days">${[7, 14, 30, 90].map((d) => html`<option value="${d}" ${d === data.days ? 'selected' : ''}>${w.days(d)}</option>`)}</select>
      </label>
      <button type="submit">${w.show}</button>
      <a href="/admin/reports/daily.csv?${csvQuery.toString()}" download>${w.csv}</a>
    </form>
    ${dailyTable(ctx, data.daily)}

    <h2 id="chart">${w.chart(data.series.length)}</h2>
    ${chart(ctx, data.series)}`;
}

function dailyTable(ctx: PageContext, report: DailyReport): Fragment {
  const w = ctx.words.reports;
  const row = (label: Fragment | string, f: DayFigures, total = false) =>
    html`<tr${total ? raw(' class="total"') : ''}><th scope="row">${label}</th>${DAY_FIGURES.map((k) => html`<td class="num">${f[k]}</td>`)}<td>${f.purchaseTotals.map((m) => money(m.amount, m.currency)).join(', ') || '–'}</td></tr>`;
  // Fifteen columns do not fit a laptop's width in Russian: the table scrolls sideways in its own
  // region (focusable, so it can be scrolled from the keyboard), not the whole page.
  return html`<div class="wide" role="region" tabindex="0" aria-labelledby="day"><table aria-labelledby="day">
    <thead><tr><th scope="col">${ctx.words.fleet.store} / ${ctx.words.fleet.kiosk}</th>${DAY_FIGURES.map((k) => html`<th scope="col" class="num">${w.figures[k]}</th>`)}<th scope="col">${w.totals}</th></tr></thead>
    <tbody>
      ${report.stores.map(
        (s) => html`${s.kiosks.map((k) => row(`${s.storeId} · ${k.kioskId ?? w.kioskTill}`, k))}
          ${row(html`<span data-store-total="${s.storeId}">${s.storeId} · ${w.total}</span>`, s.totals, true)}`,
      )}
      ${row(w.unattributed, report.unattributed)}
    </tbody>
  </table></div>`;
}

const SERIES = ['earned', 'redeemed', 'expired'] as const;

/** Grouped bars per day; the same numbers in a table under it (visually hidden by nothing: it is short). */
function chart(ctx: PageContext, series: ReportsData['series']): Fragment {
  const w = ctx.words.reports;
  const width = 760;
  const height = 220;
  const pad = { left: 48, bottom: 28, top: 10 };
  const max = Math.max(1, ...series.flatMap((d) => SERIES.map((s) => d[s])));
  const slot = (width - pad.left) / Math.max(1, series.length);
  const bar = Math.max(2, (slot - 6) / SERIES.length);
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="chart">
      <line x1="${pad.left}" y1="${y(0)}" x2="${width}" y2="${y(0)}" stroke="#8a94a6"></line>
      <text x="${pad.left - 6}" y="${y(max) + 4}" text-anchor="end" font-size="11">${max}</text>
      <text x="${pad.left - 6}" y="${y(0)}" text-anchor="end" font-size="11">0</text>
      ${series.map(
        (d, i) => html`${SERIES.map(
          (s, j) =>
            html`<rect class="c-${s}" x="${(pad.left + i * slot + 3 + j * bar).toFixed(1)}" y="${y(d[s]).toFixed(1)}" width="${bar.toFixed(1)}" height="${(y(0) - y(d[s])).toFixed(1)}"><title>${d.date} ${w[s]}: ${d[s]}</title></rect>`,
        )}
        ${i % Math.ceil(series.length / 7) === 0 ? html`<text x="${(pad.left + i * slot + slot / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle" font-size="11">${d.date.slice(5)}</text>` : ''}`,
      )}
    </svg>
    <figcaption class="legend">${SERIES.map((s) => html`<span><i class="sw c-${s}"></i>${w[s]}</span>`)}</figcaption>
  </figure>
  <table>
    <thead><tr><th scope="col">${w.date}</th>${SERIES.map((s) => html`<th scope="col" class="num">${w[s]}</th>`)}</tr></thead>
    <tbody>${series.map((d) => html`<tr><th scope="row">${d.date}</th>${SERIES.map((s) => html`<td class="num">${d[s]}</td>`)}</tr>`)}</tbody>
  </table>`;
}
