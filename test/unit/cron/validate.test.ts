import { describe, expect, it } from "vitest";
import { assertValidCronJobs, CronValidationError, validateCronJobs } from "../../../components/cron";
import type { CronJob } from "../../../components/cron";

const base: CronJob = { name: "report", schedule: "0 12 * * *", job: { type: "Report" } };
const withJob = (job: Record<string, unknown>): unknown => ({ ...base, job: { type: "Report", ...job } });

describe("validateCronJobs: valid sets", () => {
  it("accepts a full definition and the defaults", () => {
    const jobs: CronJob[] = [
      {
        name: "full",
        description: "every field",
        schedule: "*/5 9-17 * JAN-DEC MON-FRI",
        timezone: "America/Chicago",
        job: {
          type: "Full",
          args: ["a", 1, 1.5, true, [], { k: ["v"] }],
          queue: "critical.v2_x-y",
          retry: -1,
          reserve_for: 60,
          custom: { expires_in: 60, unique_for: 300, nested: { a: 1 } },
        },
      },
      { schedule: "0 0 29 2 *", job: { type: "LeapDay", retry: 0, reserve_for: 86400 } },
    ];
    expect(validateCronJobs(jobs)).toEqual([]);
    expect(() => assertValidCronJobs(jobs)).not.toThrow();
  });

  it("accepts an empty set", () => {
    expect(validateCronJobs([])).toEqual([]);
  });
});

describe("validateCronJobs: each invalid input, with its message", () => {
  it.each<[string, unknown, string, string]>([
    [
      "set is not an array",
      { cron: [] },
      "(set)",
      'cron job set must be an array of cron job definitions; received {"cron":[]}',
    ],
    [
      "definition is not an object",
      ["0 12 * * *"],
      "(definition)",
      'cron job [0]: (definition) must be an object { schedule, job: { type, ... } }; received "0 12 * * *"',
    ],
    [
      "unknown top-level field",
      [{ ...base, retries: 3 }],
      "retries",
      'cron job "report": retries is not a known field; allowed: name, description, schedule, timezone, job; received 3',
    ],
    [
      "schedule missing",
      [{ job: { type: "T" } }],
      "schedule",
      'cron job [0] (type "T"): schedule must be a 5-field cron string, e.g. "0 12 * * *"; received nothing (the field is missing)',
    ],
    [
      "schedule out of range",
      [{ ...base, schedule: "0 25 * * *" }],
      "schedule",
      'cron job "report": schedule hour field "25": 25 is out of range 0-23; received "0 25 * * *"',
    ],
    [
      "schedule descriptor",
      [{ ...base, schedule: "@hourly" }],
      "schedule",
      'cron job "report": schedule uses the descriptor "@hourly", which Faktory does not document; write "0 * * * *"; received "@hourly"',
    ],
    [
      "schedule never fires",
      [{ ...base, schedule: "0 0 31 4,6 *" }],
      "schedule",
      'cron job "report": schedule never fires (no month has that day); check the day-of-month and month fields; received "0 0 31 4,6 *"',
    ],
    [
      "name blank",
      [{ ...base, name: " " }],
      "name",
      'cron job [0] (type "Report"): name must be a non-empty, single-line string; received " "',
    ],
    [
      "name multi-line",
      [{ ...base, name: "a\nb" }],
      "name",
      'cron job "a\\nb": name must be a non-empty, single-line string; received "a\\nb"',
    ],
    [
      "description not a string",
      [{ ...base, description: 5 }],
      "description",
      'cron job "report": description must be a string of valid Unicode; received 5',
    ],
    [
      "timezone unknown",
      [{ ...base, timezone: "America/Chicgo" }],
      "timezone",
      'cron job "report": timezone must be an IANA time zone name such as "America/Chicago" or "UTC"; received "America/Chicgo"',
    ],
    [
      "job missing",
      [{ schedule: "* * * * *" }],
      "job",
      "cron job [0]: job must be a table { type, args?, queue?, retry?, reserve_for?, custom? }; received nothing (the field is missing)",
    ],
    [
      "type empty",
      [withJob({ type: "" })],
      "job.type",
      'cron job "report": job.type must be a non-empty string (the job type your workers register); received ""',
    ],
    [
      "type missing",
      [{ ...base, job: {} }],
      "job.type",
      'cron job "report": job.type must be a non-empty string (the job type your workers register); received nothing (the field is missing)',
    ],
    [
      "unknown job field",
      [withJob({ jobtype: "X" })],
      "job.jobtype",
      'cron job "report": job.jobtype is not a known field; allowed: type, args, queue, retry, reserve_for, custom; received "X"',
    ],
    [
      "args not an array",
      [withJob({ args: "x" })],
      "job.args",
      'cron job "report": job.args must be an array of JSON values; received "x"',
    ],
    [
      "args with null",
      [withJob({ args: [1, null] })],
      "job.args[1]",
      'cron job "report": job.args[1] must be a JSON value TOML can hold: TOML has no null (omit it, or use a string or false); received null',
    ],
    [
      "args with NaN deep",
      [withJob({ args: [{ a: [Number.NaN] }] })],
      "job.args[0].a[0]",
      'cron job "report": job.args[0].a[0] must be a finite number; received NaN',
    ],
    [
      "args with a Date",
      [withJob({ args: [new Date(0)] })],
      "job.args[0]",
      'cron job "report": job.args[0] must be a JSON value (string, number, boolean, array or plain object); received "1970-01-01T00:00:00.000Z"',
    ],
    [
      "args with an unsafe integer",
      [withJob({ args: [2 ** 60] })],
      "job.args[0]",
      'cron job "report": job.args[0] must be an integer within ±9007199254740991 (larger ones lose precision); use a string; received 1152921504606847000',
    ],
    [
      "queue with a space",
      [withJob({ queue: "high priority" })],
      "job.queue",
      'cron job "report": job.queue must be a queue name matching [a-zA-Z0-9._-]+ (Faktory\'s rule); received "high priority"',
    ],
    [
      "queue empty",
      [withJob({ queue: "" })],
      "job.queue",
      'cron job "report": job.queue must be a queue name matching [a-zA-Z0-9._-]+ (Faktory\'s rule); received ""',
    ],
    [
      "retry below -1",
      [withJob({ retry: -2 })],
      "job.retry",
      'cron job "report": job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received -2',
    ],
    [
      "retry fractional",
      [withJob({ retry: 2.5 })],
      "job.retry",
      'cron job "report": job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received 2.5',
    ],
    [
      "retry as a string",
      [withJob({ retry: "5" })],
      "job.retry",
      'cron job "report": job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received "5"',
    ],
    [
      "reserve_for below 60",
      [withJob({ reserve_for: 59 })],
      "job.reserve_for",
      'cron job "report": job.reserve_for must be an integer number of seconds within 60..86400 (Faktory clamps below and refuses above); received 59',
    ],
    [
      "reserve_for above a day",
      [withJob({ reserve_for: 86401 })],
      "job.reserve_for",
      'cron job "report": job.reserve_for must be an integer number of seconds within 60..86400 (Faktory clamps below and refuses above); received 86401',
    ],
    [
      "custom not a table",
      [withJob({ custom: [] })],
      "job.custom",
      'cron job "report": job.custom must be a table (plain object) of JSON values; received []',
    ],
    [
      "custom with null",
      [withJob({ custom: { a: null } })],
      "job.custom.a",
      'cron job "report": job.custom.a must be a JSON value TOML can hold: TOML has no null (omit it, or use a string or false); received null',
    ],
    [
      "expires_in zero",
      [withJob({ custom: { expires_in: 0 } })],
      "job.custom.expires_in",
      'cron job "report": job.custom.expires_in must be a whole number of seconds ≥ 1; received 0',
    ],
    [
      "expires_in as text",
      [withJob({ custom: { expires_in: "1h" } })],
      "job.custom.expires_in",
      'cron job "report": job.custom.expires_in must be a whole number of seconds ≥ 1; received "1h"',
    ],
    [
      "unique_for fractional",
      [withJob({ custom: { unique_for: 1.5 } })],
      "job.custom.unique_for",
      'cron job "report": job.custom.unique_for must be a whole number of seconds ≥ 1; received 1.5',
    ],
    [
      "duplicate names",
      [base, { ...base, schedule: "0 13 * * *" }],
      "name",
      'cron job "report": name must be unique; cron job [0] has the same name; received "report"',
    ],
    [
      "duplicate definitions (defaults spelled out)",
      [
        { schedule: "0 12 * * *", job: { type: "A" } },
        { schedule: "0  12 * * *", job: { type: "A", queue: "default", retry: 25, args: [] } },
      ],
      "(definition)",
      'cron job [1] (type "A"): (definition) duplicates cron job [0] (same schedule and job): Faktory would enqueue it twice; remove one; received "0  12 * * *"',
    ],
  ])("%s", (_case, jobs, field, message) => {
    const issues = validateCronJobs(jobs);
    expect(issues.map((i) => [i.severity, i.field, i.message])).toEqual([["error", field, message]]);
  });

  it("labels a job without name by index and type, and counts from 0", () => {
    const issues = validateCronJobs([base, { schedule: "* * * * *", job: { type: "Second", retry: -5 } }]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      index: 1,
      job: 'cron job [1] (type "Second")',
      field: "job.retry",
      value: -5,
    });
  });

  it("reports every error of a job, not just the first", () => {
    const issues = validateCronJobs([{ schedule: "x", job: { type: "", retry: -9, queue: "a b" } }]);
    expect(issues.map((i) => i.field)).toEqual(["schedule", "job.type", "job.queue", "job.retry"]);
  });

  it("warns (without failing) about expires_at, a fixed instant", () => {
    const issues = validateCronJobs([withJob({ custom: { expires_at: "2030-01-01T00:00:00Z" } })]);
    expect(issues).toEqual([
      {
        severity: "warning",
        index: 0,
        job: 'cron job "report"',
        field: "job.custom.expires_at",
        value: "2030-01-01T00:00:00Z",
        message:
          'cron job "report": job.custom.expires_at is a fixed instant: every run after it expires at once; use expires_in (seconds) for cron jobs; received "2030-01-01T00:00:00Z"',
      },
    ]);
    expect(() =>
      assertValidCronJobs([withJob({ custom: { expires_at: "2030-01-01T00:00:00Z" } })]),
    ).not.toThrow();
  });
});

describe("assertValidCronJobs", () => {
  it("throws a CronValidationError listing every error", () => {
    const jobs = [withJob({ retry: -2 }), { schedule: "0 0 * * 7", job: { type: "B" } }];
    let thrown: unknown;
    try {
      assertValidCronJobs(jobs);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CronValidationError);
    const error = thrown as CronValidationError;
    expect(error.issues).toHaveLength(2);
    expect(error.message).toBe(
      "2 errors in cron job definitions:\n" +
        '  - cron job "report": job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received -2\n' +
        '  - cron job [1] (type "B"): schedule day-of-week field "7": 7 is out of range 0-6 (Sunday is 0; 7 is not accepted by robfig/cron); received "0 0 * * 7"',
    );
  });
});
