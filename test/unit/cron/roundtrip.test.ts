import fc from "fast-check";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseCronToml, renderCronToml, validateCronJobs } from "../../../components/cron";
import type { CronJob, JsonValue } from "../../../components/cron";

// Modest run counts: the machine's two cores are shared with other sessions.
const RUNS = 200;

function field(min: number, max: number, names: readonly string[] = []): fc.Arbitrary<string> {
  const value = fc
    .integer({ min, max })
    .chain((n) =>
      names.length > 0
        ? fc.constantFrom(String(n), names[n - (names.length === 12 ? 1 : 0)])
        : fc.constant(String(n)),
    );
  const range = fc
    .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
    .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const stepped = fc.tuple(fc.oneof(fc.constant("*"), range), fc.integer({ min: 1, max: max - min + 1 }));
  const item = fc.oneof(
    value,
    range,
    stepped.map(([base, step]) => `${base}/${step}`),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant("*") },
    { weight: 5, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(",")) },
  );
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const schedule = fc
  .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12, MONTHS), field(0, 6, DAYS))
  .map((parts) => parts.join(" "));

const text = fc.string({ unit: "binary", maxLength: 20 });

const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.boolean(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc
      .double({ min: -1e15, max: 1e15, noNaN: true, noDefaultInfinity: true })
      .filter((d) => !Object.is(d, -0)),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(text, tie("value"), { maxKeys: 3 }),
  ),
})).value;

const spec = fc.record(
  {
    type: text.filter((t) => t.trim() !== ""),
    args: fc.array(json, { maxLength: 4 }),
    queue: fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/),
    retry: fc.integer({ min: -1, max: 100 }),
    reserve_for: fc.integer({ min: 60, max: 86_400 }),
    custom: fc.dictionary(text, json, { maxKeys: 3 }),
  },
  { requiredKeys: ["type"] },
);

const job = fc.record(
  {
    name: text,
    description: text,
    schedule,
    timezone: fc.constantFrom("UTC", "America/Chicago", "Europe/Berlin", "Asia/Kolkata"),
    job: spec,
  },
  { requiredKeys: ["schedule", "job"] },
);

// Names made unique by an index prefix; whatever else a generated set gets wrong, validation says.
const validSet = fc
  .array(job, { maxLength: 5 })
  .map(
    (jobs) => jobs.map((j, i) => (j.name === undefined ? j : { ...j, name: `${i}${j.name}` })) as CronJob[],
  )
  .filter((jobs) => validateCronJobs(jobs).every((issue) => issue.severity !== "error"));

describe("cron.toml round trip (property)", () => {
  it("valid definitions → render → parse → the same definitions, and the output passes check", () => {
    fc.assert(
      fc.property(validSet, (jobs) => {
        const toml = renderCronToml(jobs);
        const back = parseCronToml(toml);
        expect(back.issues.filter((i) => i.severity === "error")).toEqual([]);
        expect(back.jobs).toEqual(jobs);
        expect(renderCronToml(back.jobs)).toBe(toml);
      }),
      { numRuns: RUNS },
    );
  });

  it("what Faktory reads (a TOML 1.0 parser, comments ignored) is each job's schedule and job table", () => {
    fc.assert(
      fc.property(validSet, (jobs) => {
        const doc = parse(renderCronToml(jobs));
        expect(doc.cron ?? []).toEqual(jobs.map((j) => ({ schedule: j.schedule, job: j.job })));
      }),
      { numRuns: RUNS },
    );
  });
});
