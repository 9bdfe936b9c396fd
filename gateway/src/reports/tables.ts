/** The reports as plain-text tables for a terminal (`npm run admin -- report …`). */
import { DAY_FIGURES, type DailyReport, type DayFigures, type LiabilityReport } from './reports.js';

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  const numeric = (cell: string) => /^-?\d[\d ]*$/.test(cell);
  return rows
    .map((row) => row.map((cell, column) => (numeric(cell) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  '))
    .join('\n')
    .replace(/ +$/gm, '');
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

export function liabilityTable(report: LiabilityReport): string {
  const programs = table([
    ['program', 'points', 'cards', 'point value', 'value'],
    ...report.programs.map((p) => [
      p.programId,
      String(p.points),
      String(p.accounts),
      p.pointValue ? money(p.pointValue.amount, p.pointValue.currency) : '-',
      p.value ? money(p.value.amount, p.value.currency) : '-',
    ]),
    ['total', String(report.totalPoints), '', '', ''],
  ]);
  const other = table([
    ['', 'amount'],
    ...report.wallets.map((w) => [`wallets ${w.currency}`, money(w.amount, w.currency)]),
    [`open holds (${report.openHolds.count})`, `${report.openHolds.points} points`],
    [`clawback debt (${report.clawbackDebt.accounts} cards)`, `${report.clawbackDebt.points} points`],
    ['expiring within 30 days', `${report.expiring.in30Days} points`],
    ['expiring within 90 days', `${report.expiring.in90Days} points`],
  ]);
  return `Liability as of ${report.asOf}\n\n${programs}\n\n${other}\n`;
}

export function dailyTable(report: DailyReport): string {
  const header = ['store', 'kiosk', ...DAY_FIGURES, 'purchase totals'];
  const line = (store: string, kiosk: string, f: DayFigures) => [store, kiosk, ...DAY_FIGURES.map((k) => String(f[k])), f.purchaseTotals.map((m) => money(m.amount, m.currency)).join(', ') || '-'];
  const rows = [header];
  for (const store of report.stores) {
    for (const kiosk of store.kiosks) rows.push(line(store.storeId, kiosk.kioskId ?? 'till/API', kiosk));
    rows.push(line(store.storeId, 'TOTAL', store.totals));
  }
  rows.push(line('(no store)', 'UTC day', report.unattributed));
  const zones = report.stores.map((s) => `${s.storeId}: ${s.timezone}, ${s.from} to ${s.to}`).join('\n');
  return `Daily report for ${report.date} (each store's local day)\n${zones}\n\n${table(rows)}\n`;
}
