/**
 * The schedule grammar faktory-ha accepts, checked here rather than by the next-run library: croner
 * accepts more than Faktory's cron (seconds, `L`, `W`, `#`, `?` as "now", `N/step`), so a schedule
 * croner likes could still be rejected — or silently read differently — by Faktory.
 *
 * Faktory Enterprise's cron parser is closed source; its documented format is the classic 5-field
 * one. The grammar below is the part that the classic (Vixie) cron and robfig/cron's standard parser
 * (the common Go choice) both read the same way, so a schedule that passes means the same thing there.
 */

/** One parsed field: the values it matches and whether it was written as a wildcard. */
export interface ScheduleField {
  readonly values: readonly number[];
  /** Written as `*` or `?` (without a step > 1): decides how day-of-month and day-of-week combine. */
  readonly star: boolean;
}

export interface ParsedSchedule {
  readonly minute: ScheduleField;
  readonly hour: ScheduleField;
  readonly dayOfMonth: ScheduleField;
  readonly month: ScheduleField;
  readonly dayOfWeek: ScheduleField;
}

export type ScheduleResult =
  { readonly ok: true; readonly schedule: ParsedSchedule } | { readonly ok: false; readonly error: string };

interface FieldSpec {
  readonly key: keyof ParsedSchedule;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldSpec[] = [
  { key: "minute", label: "minute", min: 0, max: 59, question: false },
  { key: "hour", label: "hour", min: 0, max: 23, question: false },
  { key: "dayOfMonth", label: "day-of-month", min: 1, max: 31, question: true },
  { key: "month", label: "month", min: 1, max: 12, names: MONTHS, question: false },
  { key: "dayOfWeek", label: "day-of-week", min: 0, max: 6, names: WEEKDAYS, question: true },
];

/** Descriptors robfig/cron knows but Faktory documents nothing about; each has a 5-field spelling. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** The five-field spelling of a descriptor such as `@hourly`, or undefined for anything else. */
export function descriptorSpelling(schedule: string): string | undefined {
  return DESCRIPTORS[schedule.trim().toLowerCase()];
}

/** A short statement of the accepted grammar, appended to schedule errors. */
export const SCHEDULE_GRAMMAR =
  'five fields "minute hour day-of-month month day-of-week" (0-59, 0-23, 1-31, 1-12 or JAN-DEC, ' +
  "0-6 or SUN-SAT with Sunday = 0), each `*`, a value, a range `a-b`, `*/step` or `a-b/step`, or a " +
  "comma-separated list of those; `?` means `*` in the two day fields";

class FieldError extends Error {}

function parseValue(token: string, spec: FieldSpec): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) {
      const hint =
        spec.key === "dayOfWeek" && n === 7 ? " (Sunday is 0; 7 is not accepted by robfig/cron)" : "";
      throw new FieldError(`${n} is out of range ${spec.min}-${spec.max}${hint}`);
    }
    return n;
  }
  const upper = token.toUpperCase();
  const index = spec.names?.indexOf(upper) ?? -1;
  if (index >= 0) return spec.key === "month" ? index + 1 : index;
  if (/^[A-Za-z]+$/.test(token)) {
    const allowed = spec.names
      ? `a number or one of ${spec.names.join(",")}`
      : "a number (names are only for month and day-of-week)";
    throw new FieldError(`"${token}" is not a valid ${spec.label}; expected ${allowed}`);
  }
  throw new FieldError(`"${token}" is not a number`);
}

type ItemKind = "star" | "stepped-star" | "other";

function parseItem(item: string, spec: FieldSpec, into: Set<number>): ItemKind {
  if (item === "") throw new FieldError("has an empty list item");
  const [base, stepText, extra] = item.split("/");
  if (extra !== undefined) throw new FieldError(`"${item}" has more than one "/"`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
      throw new FieldError(`step "${stepText}" in "${item}" must be a whole number ≥ 1`);
    }
    step = Number(stepText);
  }
  let start: number;
  let end: number;
  let star = false;
  if (base === "*" || base === "?") {
    if (base === "?" && !spec.question)
      throw new FieldError(`"?" is only allowed in day-of-month and day-of-week`);
    [start, end, star] = [spec.min, spec.max, true];
  } else if (base.includes("-")) {
    const parts = base.split("-");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new FieldError(`"${base}" is not a range a-b`);
    }
    start = parseValue(parts[0], spec);
    end = parseValue(parts[1], spec);
    if (start > end)
      throw new FieldError(`range "${base}" starts after it ends (wrap-around ranges are not accepted)`);
  } else {
    if (stepText !== undefined) {
      // robfig reads "5/15" as "5-59/15", Vixie cron rejects it: ask for the spelling both read alike.
      throw new FieldError(
        `"${item}" (a single value with a step) is ambiguous; write "${base}-${spec.max}/${stepText}"`,
      );
    }
    start = end = parseValue(base, spec);
  }
  for (let v = start; v <= end; v += step) into.add(v);
  if (!star) return "other";
  return step === 1 ? "star" : "stepped-star";
}

function parseField(text: string, spec: FieldSpec): ScheduleField & { readonly steppedStar: boolean } {
  const values = new Set<number>();
  const kinds = text.split(",").map((item) => parseItem(item, spec, values));
  return {
    values: [...values].sort((a, b) => a - b),
    star: kinds.includes("star"),
    steppedStar: kinds.includes("stepped-star"),
  };
}

/**
 * Parse a 5-field schedule, returning either the matched values per field or an error that says what
 * is wrong with which field (without the job's name: the caller adds that).
 */
export function parseSchedule(schedule: string): ScheduleResult {
  const trimmed = schedule.trim();
  if (trimmed === "") return { ok: false, error: `is empty; expected ${SCHEDULE_GRAMMAR}` };
  const descriptor = descriptorSpelling(trimmed);
  if (descriptor !== undefined) {
    return {
      ok: false,
      error: `uses the descriptor "${trimmed}", which Faktory does not document; write "${descriptor}"`,
    };
  }
  if (trimmed.startsWith("@")) {
    return {
      ok: false,
      error: `uses "${trimmed.split(/\s+/)[0]}", which Faktory does not document; expected ${SCHEDULE_GRAMMAR}`,
    };
  }
  if (/^(CRON_)?TZ=/i.test(trimmed)) {
    return {
      ok: false,
      error:
        "sets a time zone prefix, which Faktory does not document; schedules run in the server's zone (UTC). " +
        'State the zone you mean with the "timezone" field instead',
    };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) {
    const extra = parts.length === 6 ? " (a seconds field is not accepted)" : "";
    return { ok: false, error: `has ${parts.length} fields${extra}; expected ${SCHEDULE_GRAMMAR}` };
  }
  const fields: Partial<Record<keyof ParsedSchedule, ReturnType<typeof parseField>>> = {};
  for (const [i, spec] of FIELDS.entries()) {
    try {
      fields[spec.key] = parseField(parts[i], spec);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      return { ok: false, error: `${spec.label} field "${parts[i]}": ${err.message}` };
    }
  }
  const { dayOfMonth, dayOfWeek } = fields as Record<keyof ParsedSchedule, ReturnType<typeof parseField>>;
  const stepped = dayOfMonth.steppedStar ? parts[2] : dayOfWeek.steppedStar ? parts[4] : undefined;
  if (stepped !== undefined && !dayOfMonth.star && !dayOfWeek.star) {
    // Vixie cron treats "*/2" as a wildcard (days must match both fields), robfig/cron does not
    // (either field matches): the two disagree on which days this runs.
    return {
      ok: false,
      error:
        `combines "${stepped}" with a restricted ${dayOfMonth.steppedStar ? "day-of-week" : "day-of-month"}, ` +
        "which cron implementations read differently (AND or OR); list the days explicitly instead",
    };
  }
  const strip = ({ values, star }: ScheduleField): ScheduleField => ({ values, star });
  return {
    ok: true,
    schedule: {
      minute: strip(fields.minute!),
      hour: strip(fields.hour!),
      dayOfMonth: strip(dayOfMonth),
      month: strip(fields.month!),
      dayOfWeek: strip(dayOfWeek),
    },
  };
}

/**
 * The schedule as an explicit pattern for croner: wildcards stay `*` (croner, like robfig and Vixie
 * cron, combines restricted day-of-month and day-of-week with OR only when neither is `*`), the rest
 * become value lists, so croner never sees syntax it reads differently.
 */
export function toCronerPattern(parsed: ParsedSchedule): string {
  return FIELDS.map((spec) => {
    const field = parsed[spec.key];
    return field.star ? "*" : field.values.join(",");
  }).join(" ");
}
