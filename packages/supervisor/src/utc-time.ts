/**
 * UTC timestamps for the control API's `Date` header and JSON log lines, computed from epoch
 * milliseconds in plain arithmetic. V8's own Date formatting (`toUTCString`, `toISOString`) first
 * asks ICU for the local time zone, which pages in about 1 MB of ICU code and zone data that a
 * long-running supervisor then carries for its whole life (measured with `pnpm bench`, issue 11).
 */

const DAYS = ['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'] as const; // 1970-01-01 was a Thursday
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

interface UtcParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  weekday: (typeof DAYS)[number];
  hours: number;
  minutes: number;
  seconds: number;
  millis: number;
}

/** The proleptic Gregorian calendar date of `ms` (days-from-civil, inverted; H. Hinnant). */
function utcParts(ms: number): UtcParts {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1,
    weekday: DAYS[((days % 7) + 7) % 7] as (typeof DAYS)[number],
    hours,
    minutes,
    seconds,
    millis: rest - seconds * 1000,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-27T22:49:24.123Z`, as `Date#toISOString` gives for years 0–9999. */
export function isoTime(ms: number): string {
  const t = utcParts(Math.floor(ms));
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hours)}:${pad(t.minutes)}:${pad(t.seconds)}.${pad(t.millis, 3)}Z`;
}

/** `Fri, 27 Nov 2026 22:49:24 GMT`: an HTTP date (IMF-fixdate), as `Date#toUTCString` gives. */
export function httpDate(ms: number): string {
  const t = utcParts(Math.floor(ms));
  return `${t.weekday}, ${pad(t.day)} ${MONTHS[t.month - 1]} ${pad(t.year, 4)} ${pad(t.hours)}:${pad(t.minutes)}:${pad(t.seconds)} GMT`;
}
