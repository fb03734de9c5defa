/** Wall-clock views of an instant in an IANA zone, through the runtime's ICU data (Intl). */

export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  readonly date: string;
  /** `HH:MM` (24 h) in the zone. */
  readonly time: string;
  /** `Mon`..`Sun`. */
  readonly weekday: string;
  /** Short zone name, e.g. `CDT`; ICU's `GMT-5` style where no abbreviation exists. */
  readonly abbreviation: string;
  /** Offset from UTC, e.g. `-05:00`. */
  readonly offset: string;
  readonly offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat[]>();

function formattersFor(timeZone: string): Intl.DateTimeFormat[] {
  let pair = formatters.get(timeZone);
  if (pair === undefined) {
    const base: Intl.DateTimeFormatOptions = {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    };
    pair = [
      new Intl.DateTimeFormat("en-US", { ...base, timeZoneName: "short" }),
      new Intl.DateTimeFormat("en-US", { ...base, timeZoneName: "longOffset" }),
    ];
    formatters.set(timeZone, pair);
  }
  return pair;
}

/** True for a zone name the runtime knows (IANA names like `America/Chicago`, or `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    formattersFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const [short, long] = formattersFor(timeZone);
  const parts = Object.fromEntries(short.formatToParts(instant).map((p) => [p.type, p.value]));
  const gmt = long.formatToParts(instant).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(gmt);
  const sign = match?.[1] === "-" ? -1 : 1;
  const offsetMinutes = match?.[1] ? sign * (Number(match[2]) * 60 + Number(match[3])) : 0;
  const offset = match?.[1] ? `${match[1]}${match[2]}:${match[3]}` : "+00:00";
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: parts.weekday,
    abbreviation: parts.timeZoneName,
    offset,
    offsetMinutes,
  };
}

const HOUR = 3_600_000;

/**
 * Instants within [from, to) at which the zone's UTC offset changes. Sampled every 6 hours (no zone
 * changes its offset twice that fast), then narrowed to the minute by bisection.
 */
export function offsetChanges(timeZone: string, from: Date, to: Date): Date[] {
  const offsetAt = (ms: number): number => localTime(new Date(ms), timeZone).offsetMinutes;
  const changes: Date[] = [];
  let prevMs = from.getTime();
  let prevOffset = offsetAt(prevMs);
  for (let ms = prevMs + 6 * HOUR; prevMs < to.getTime(); ms += 6 * HOUR) {
    const at = Math.min(ms, to.getTime());
    const offset = offsetAt(at);
    if (offset !== prevOffset) {
      let [lo, hi] = [prevMs, at];
      while (hi - lo > 60_000) {
        const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
        if (mid <= lo) break;
        if (offsetAt(mid) === prevOffset) lo = mid;
        else hi = mid;
      }
      changes.push(new Date(hi));
    }
    [prevMs, prevOffset] = [at, offset];
  }
  return changes.filter((d) => d.getTime() < to.getTime());
}
