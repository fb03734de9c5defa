import { describe, expect, it } from "vitest";
import { dstWarnings, findDstDrift, nextRuns } from "../../../components/cron";
import type { CronJob } from "../../../components/cron";

const iso = (runs: readonly { utc: Date }[]): string[] => runs.map((r) => r.utc.toISOString());

const chicago: CronJob = {
  name: "noon-report",
  schedule: "0 17 * * *",
  timezone: "America/Chicago",
  job: { type: "Report" },
};

describe("nextRuns", () => {
  it("lists the seed job's next runs in UTC, after an injected now", () => {
    const seed: CronJob = {
      schedule: "0 12 27 * *",
      job: { type: "MyWorker", args: ["SomeArgument"], retry: 5 },
    };
    const runs = nextRuns(seed, { now: new Date("2026-11-27T22:00:00Z"), count: 3 });
    expect(iso(runs)).toEqual([
      "2026-12-27T12:00:00.000Z",
      "2027-01-27T12:00:00.000Z",
      "2027-02-27T12:00:00.000Z",
    ]);
    expect(runs[0].local).toEqual({
      date: "2026-12-27",
      time: "12:00",
      weekday: "Sun",
      abbreviation: "UTC",
      offset: "+00:00",
      offsetMinutes: 0,
    });
  });

  it("shows each run in the stated zone too: same UTC time, local time moves across the DST change", () => {
    const runs = nextRuns(chicago, { now: new Date("2026-03-06T00:00:00Z"), count: 4 });
    expect(iso(runs)).toEqual([
      "2026-03-06T17:00:00.000Z",
      "2026-03-07T17:00:00.000Z",
      "2026-03-08T17:00:00.000Z",
      "2026-03-09T17:00:00.000Z",
    ]);
    expect(
      runs.map((r) => `${r.local.date} ${r.local.time} ${r.local.abbreviation} ${r.local.offset}`),
    ).toEqual([
      "2026-03-06 11:00 CST -06:00",
      "2026-03-07 11:00 CST -06:00",
      "2026-03-08 12:00 CDT -05:00",
      "2026-03-09 12:00 CDT -05:00",
    ]);
  });

  it("combines a restricted day-of-month and day-of-week with OR, as cron does", () => {
    const job: CronJob = { schedule: "0 0 1 * MON", job: { type: "T" } };
    expect(iso(nextRuns(job, { now: new Date("2026-06-02T00:00:00Z"), count: 5 }))).toEqual([
      "2026-06-08T00:00:00.000Z",
      "2026-06-15T00:00:00.000Z",
      "2026-06-22T00:00:00.000Z",
      "2026-06-29T00:00:00.000Z",
      "2026-07-01T00:00:00.000Z",
    ]);
  });

  it("reads `?` as `*` (croner alone would read it as the current time)", () => {
    const job: CronJob = { schedule: "30 6 ? * ?", job: { type: "T" } };
    expect(iso(nextRuns(job, { now: new Date("2026-06-02T12:00:00Z"), count: 2 }))).toEqual([
      "2026-06-03T06:30:00.000Z",
      "2026-06-04T06:30:00.000Z",
    ]);
  });

  it("defaults to 5 runs", () => {
    expect(nextRuns(chicago, { now: new Date("2026-01-01T00:00:00Z") })).toHaveLength(5);
  });
});

describe("DST drift (the 'UTC-5 in summer only' trap)", () => {
  const now = new Date("2026-03-01T00:00:00Z");

  it("finds both 2026 changes in America/Chicago, with the runs either side", () => {
    const drifts = findDstDrift([chicago], { now });
    expect(
      drifts.map((d) => [
        d.change.toISOString(),
        d.before.utc.toISOString(),
        d.before.local.time,
        d.after.local.time,
      ]),
    ).toEqual([
      ["2026-03-08T08:00:00.000Z", "2026-03-07T17:00:00.000Z", "11:00", "12:00"],
      ["2026-11-01T07:00:00.000Z", "2026-10-31T17:00:00.000Z", "12:00", "11:00"],
    ]);
  });

  it("warns once per job, naming the job, the zone and each shift", () => {
    expect(dstWarnings([{ ...chicago, name: undefined }, chicago], { now })).toEqual([
      expect.objectContaining({ severity: "warning", index: 0, field: "timezone", value: "America/Chicago" }),
      expect.objectContaining({ index: 1 }),
    ]);
    const [warning] = dstWarnings([chicago], { now });
    expect(warning.message).toBe(
      'cron job "noon-report": timezone America/Chicago: schedule "0 17 * * *" runs in UTC, so its local time ' +
        "shifts at each DST change within the horizon: " +
        "on 2026-03-08, 2026-03-07 17:00 UTC = 2026-03-07 11:00 CST (UTC-06:00), then 2026-03-08 17:00 UTC = 2026-03-08 12:00 CDT (UTC-05:00); " +
        "on 2026-11-01, 2026-10-31 17:00 UTC = 2026-10-31 12:00 CDT (UTC-05:00), then 2026-11-01 17:00 UTC = 2026-11-01 11:00 CST (UTC-06:00). " +
        "Faktory's cron cannot follow DST per job: adjust the schedule at each change, or accept the shift",
    );
  });

  it.each<[string, CronJob, Date, number]>([
    ["no stated zone", { schedule: "0 17 * * *", job: { type: "T" } }, now, 366],
    ["a zone without DST", { ...chicago, timezone: "Asia/Kolkata" }, now, 366],
    ["UTC", { ...chicago, timezone: "UTC" }, now, 366],
    ["every hour: a shift changes nothing", { ...chicago, schedule: "15 * * * *" }, now, 366],
    ["horizon before the change", chicago, new Date("2026-04-01T00:00:00Z"), 30],
    [
      "runs in January only: same offset either side",
      { ...chicago, schedule: "0 17 * 1 *" },
      new Date("2026-01-01T00:00:00Z"),
      366,
    ],
  ])("no warning: %s", (_case, job, from, horizonDays) => {
    expect(findDstDrift([job], { now: from, horizonDays })).toEqual([]);
  });

  it("warns for a job idle across one change only when its local time really differs", () => {
    // Runs in March and November only: 2026-03-01..2026-03-07 CST, then 2026-03-08.. CDT.
    const job: CronJob = { ...chicago, schedule: "0 17 * 3 *" };
    const drifts = findDstDrift([job], { now, horizonDays: 60 });
    expect(drifts.map((d) => [d.before.local.abbreviation, d.after.local.abbreviation])).toEqual([
      ["CST", "CDT"],
    ]);
  });
});
