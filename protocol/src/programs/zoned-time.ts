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

/**
 * The zone's offset from UTC (ms) during the minute that holds `instantMs`. Asking Intl is the
 * costly part of every calendar question (~10 µs), and an earn asks it a dozen times for the same
 * few minutes (now, the start of today, a promotion's bounds), so offsets are kept per zone and
 * minute: transitions in the time-zone database fall on whole minutes, so one minute has one offset.
 */
const offsets = new Map<string, Map<number, number>>();
const KEPT_MINUTES_PER_ZONE = 4096;

function offsetMs(instantMs: number, timeZone: string): number {
  const minute = Math.floor(instantMs / 60_000);
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let offset = zone.get(minute);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    for (const p of formatter(timeZone).formatToParts(new Date(minute * 60_000))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - minute * 60_000;
    // Bounded: a long-running process asks about ever new minutes.
    if (zone.size >= KEPT_MINUTES_PER_ZONE) zone.clear();
    zone.set(minute, offset);
  }
  return offset;
}

/** The wall-clock reading in `timeZone` at an instant. */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const wall = new Date(wallMs(instantMs, timeZone));
  const weekday = (((Math.floor(wall.getTime() / 86_400_000) % 7) + 7 + 3) % 7) + 1; // 1970-01-01 was a Thursday
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), weekday };
}

/** The local date in `timeZone` at an instant, YYYY-MM-DD. */
export function localDate(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The wall-clock reading at an instant, written as if it were UTC, in ms. */
function wallMs(instantMs: number, timeZone: string): number {
  return instantMs + offsetMs(instantMs, timeZone);
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

/**
 * The instant to name the day by for an end that is exclusive, like a lot's expiry: an end at
 * local midnight is the end of the day before, so points that go at 00:00 on 1 January "expire on
 * 31 December", the last day they can be spent.
 */
export function lastDayInstant(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  const local = localParts(ms, timeZone);
  return local.hour === 0 && local.minute === 0 && ms % 60_000 === 0 ? new Date(ms - 1).toISOString() : iso;
}
