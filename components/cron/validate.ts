import { Cron } from "croner";
import { CronIssue, CronValidationError, isRecord, jobLabel, showValue } from "./issues";
import { parseSchedule, toCronerPattern } from "./schedule";
import type { CronJob } from "./types";
import { isKnownTimeZone } from "./zone";

/** Faktory's own queue-name rule (`storage/redis.go` `ValidQueueName`). */
export const QUEUE_NAME = /^[a-zA-Z0-9._-]+$/;
/** Faktory clamps a reservation to this range (`manager/working.go`) and refuses a push above it. */
export const RESERVE_FOR_MIN = 60;
export const RESERVE_FOR_MAX = 86_400;
/** Faktory's defaults, used to tell whether two definitions enqueue the same job. */
export const FAKTORY_DEFAULTS = { queue: "default", retry: 25, reserve_for: 1800 } as const;

const JOB_KEYS = ["name", "description", "schedule", "timezone", "job"];
const SPEC_KEYS = ["type", "args", "queue", "retry", "reserve_for", "custom"];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Cs}/u;

type Report = (field: string, value: unknown, problem: string, severity?: CronIssue["severity"]) => void;

/**
 * Check a TOML-representable JSON value: TOML has no null, and integers past 2^53 would change
 * on the way through a JavaScript number.
 */
function checkJsonValue(value: unknown, field: string, report: Report): void {
  if (value === null) {
    report(
      field,
      value,
      "must be a JSON value TOML can hold: TOML has no null (omit it, or use a string or false)",
    );
  } else if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) report(field, value, "must be valid Unicode (it has a lone surrogate)");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) report(field, value, "must be a finite number");
    else if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      report(
        field,
        value,
        "must be an integer within ±9007199254740991 (larger ones lose precision); use a string",
      );
    }
  } else if (typeof value === "boolean") {
    return;
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkJsonValue(v, `${field}[${i}]`, report));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) checkJsonValue(v, `${field}.${k}`, report);
  } else {
    report(field, value, "must be a JSON value (string, number, boolean, array or plain object)");
  }
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

function checkUnknownKeys(
  rec: Record<string, unknown>,
  allowed: string[],
  prefix: string,
  report: Report,
): void {
  for (const key of Object.keys(rec)) {
    if (!allowed.includes(key)) {
      report(`${prefix}${key}`, rec[key], `is not a known field; allowed: ${allowed.join(", ")}`);
    }
  }
}

function neverFires(pattern: string): boolean {
  // 2000-01-01 starts a leap year, so "29 February" is found; croner gives up after some years.
  const cron = new Cron(pattern, { timezone: "UTC", mode: "5-part", paused: true });
  return cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null;
}

function checkSpec(spec: Record<string, unknown>, report: Report): void {
  checkUnknownKeys(spec, SPEC_KEYS, "job.", report);
  if (typeof spec.type !== "string" || spec.type.trim() === "") {
    report("job.type", spec.type, "must be a non-empty string (the job type your workers register)");
  }
  if (spec.args !== undefined) {
    if (!Array.isArray(spec.args)) report("job.args", spec.args, "must be an array of JSON values");
    else checkJsonValue(spec.args, "job.args", report);
  }
  if (spec.queue !== undefined && (typeof spec.queue !== "string" || !QUEUE_NAME.test(spec.queue))) {
    report("job.queue", spec.queue, "must be a queue name matching [a-zA-Z0-9._-]+ (Faktory's rule)");
  }
  if (spec.retry !== undefined && !(Number.isSafeInteger(spec.retry) && (spec.retry as number) >= -1)) {
    report(
      "job.retry",
      spec.retry,
      "must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory's default is 25)",
    );
  }
  const reserve = spec.reserve_for;
  if (
    reserve !== undefined &&
    !(
      Number.isSafeInteger(reserve) &&
      (reserve as number) >= RESERVE_FOR_MIN &&
      (reserve as number) <= RESERVE_FOR_MAX
    )
  ) {
    report(
      "job.reserve_for",
      reserve,
      `must be an integer number of seconds within ${RESERVE_FOR_MIN}..${RESERVE_FOR_MAX} (Faktory clamps below and refuses above)`,
    );
  }
  if (spec.custom !== undefined) {
    if (!isRecord(spec.custom)) {
      report("job.custom", spec.custom, "must be a table (plain object) of JSON values");
      return;
    }
    checkJsonValue(spec.custom, "job.custom", report);
    for (const key of ["expires_in", "unique_for"]) {
      const v = spec.custom[key];
      if (v !== undefined && !isPositiveInteger(v)) {
        report(`job.custom.${key}`, v, "must be a whole number of seconds ≥ 1");
      }
    }
    if (spec.custom.expires_at !== undefined) {
      report(
        "job.custom.expires_at",
        spec.custom.expires_at,
        "is a fixed instant: every run after it expires at once; use expires_in (seconds) for cron jobs",
        "warning",
      );
    }
  }
}

function checkJob(raw: unknown, report: Report): void {
  if (!isRecord(raw)) {
    report("(definition)", raw, "must be an object { schedule, job: { type, ... } }");
    return;
  }
  checkUnknownKeys(raw, JOB_KEYS, "", report);
  if (
    raw.name !== undefined &&
    (typeof raw.name !== "string" || raw.name.trim() === "" || CONTROL.test(raw.name))
  ) {
    report("name", raw.name, "must be a non-empty, single-line string");
  }
  if (
    raw.description !== undefined &&
    (typeof raw.description !== "string" || LONE_SURROGATE.test(raw.description))
  ) {
    report("description", raw.description, "must be a string of valid Unicode");
  }
  if (typeof raw.schedule !== "string") {
    report("schedule", raw.schedule, 'must be a 5-field cron string, e.g. "0 12 * * *"');
  } else {
    const parsed = parseSchedule(raw.schedule);
    if (!parsed.ok) report("schedule", raw.schedule, parsed.error);
    else if (neverFires(toCronerPattern(parsed.schedule))) {
      report(
        "schedule",
        raw.schedule,
        "never fires (no month has that day); check the day-of-month and month fields",
      );
    }
  }
  if (raw.timezone !== undefined && (typeof raw.timezone !== "string" || !isKnownTimeZone(raw.timezone))) {
    report("timezone", raw.timezone, 'must be an IANA time zone name such as "America/Chicago" or "UTC"');
  }
  if (!isRecord(raw.job)) {
    report("job", raw.job, "must be a table { type, args?, queue?, retry?, reserve_for?, custom? }");
  } else {
    checkSpec(raw.job, report);
  }
}

/** Canonical JSON (sorted keys, Faktory's defaults filled in) of what the job enqueues, and when. */
function enqueueKey(job: CronJob): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys(v[k])]),
          )
        : v;
  const spec = job.job;
  return JSON.stringify(
    sortKeys({
      schedule: job.schedule.trim().split(/\s+/).join(" "),
      type: spec.type,
      args: spec.args ?? [],
      queue: spec.queue ?? FAKTORY_DEFAULTS.queue,
      retry: spec.retry ?? FAKTORY_DEFAULTS.retry,
      reserve_for: spec.reserve_for ?? FAKTORY_DEFAULTS.reserve_for,
      custom: spec.custom ?? {},
    }),
  );
}

/**
 * Every problem in a set of cron job definitions, in order. Accepts anything (definitions may come
 * from JSON or a JavaScript module); an empty result means the set is a valid `readonly CronJob[]`.
 */
export function validateCronJobs(jobs: unknown): CronIssue[] {
  const issues: CronIssue[] = [];
  if (!Array.isArray(jobs)) {
    const message = `cron job set must be an array of cron job definitions; received ${showValue(jobs)}`;
    return [{ severity: "error", index: -1, job: "cron job set", field: "(set)", value: jobs, message }];
  }
  const names = new Map<string, number>();
  const enqueues = new Map<string, number>();
  jobs.forEach((raw: unknown, index) => {
    const job = jobLabel(raw, index);
    let errors = 0;
    const report: Report = (field, value, problem, severity = "error") => {
      if (severity === "error") errors++;
      const message = `${job}: ${field} ${problem}; received ${showValue(value)}`;
      issues.push({ severity, index, job, field, value, message });
    };
    checkJob(raw, report);
    if (errors > 0) return;
    const def = raw as CronJob;
    if (def.name !== undefined) {
      const first = names.get(def.name);
      if (first !== undefined)
        report("name", def.name, `must be unique; cron job [${first}] has the same name`);
      else names.set(def.name, index);
    }
    const key = enqueueKey(def);
    const same = enqueues.get(key);
    if (same !== undefined) {
      report(
        "(definition)",
        def.schedule,
        `duplicates cron job [${same}] (same schedule and job): Faktory would enqueue it twice; remove one`,
      );
    } else enqueues.set(key, index);
  });
  return issues;
}

/** Throw a `CronValidationError` listing every error, or narrow `jobs` to `readonly CronJob[]`. */
export function assertValidCronJobs(jobs: unknown): asserts jobs is readonly CronJob[] {
  const issues = validateCronJobs(jobs);
  if (issues.some((i) => i.severity === "error")) throw new CronValidationError(issues);
}
