/**
 * Store-local calendar arithmetic. Promotions ("from Saturday 00:00"), birthdays and expiry at the
 * end of a month are about the store's wall clock, not UTC. The offsets come from the platform's
 * time-zone database (Intl, ICU), so gateway and kiosk agree as long as they run the same Node.
 */

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  /** ISO day of week, 1 = Monday … 7 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows this IANA zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `timeZone` at an instant. */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const weekday = ((Math.floor(Date.UTC(parts.year!, parts.month! - 1, parts.day!) / 86_400_000) + 3) % 7) + 1; // 1970-01-01 was a Thursday
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, weekday };
}

/** The wall-clock reading at an instant, written as if it were UTC, in ms. */
function wallMs(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  const withinMinute = ((instantMs % 60_000) + 60_000) % 60_000;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) + withinMinute;
}

/**
 * The instant a local wall-clock time happens in `timeZone`, disambiguated as Temporal's
 * "compatible" mode does: in a fall-back overlap the earlier instant; in a spring-forward gap
 * (02:30 that never happens) the time is moved forward by the gap (03:30).
 */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = wall - (wallMs(wall - 86_400_000, timeZone) - (wall - 86_400_000));
  const after = wall - (wallMs(wall + 86_400_000, timeZone) - (wall + 86_400_000));
  const valid = [before, after].filter((t) => wallMs(t, timeZone) === wall);
  return valid.length ? Math.min(...valid) : before;
}

/** Parses `YYYY-MM-DDTHH:MM` as store-local time. */
export function instantOfLocal(local: string, timeZone: string): number {
  const [date, time] = local.split('T') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return instantOf(y, m, d, hh, mm, timeZone);
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whole days between two calendar dates (b − a). */
export function daysBetween(a: { year: number; month: number; day: number }, b: { year: number; month: number; day: number }): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** Adds calendar months to a UTC instant, keeping the day of month where it exists (31 Jan + 1 → 28/29 Feb). */
export function addMonthsUtc(instantMs: number, months: number): number {
  const d = new Date(instantMs);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(targetYear, targetMonth + 1));
  return Date.UTC(targetYear, targetMonth, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}
