import { Cron } from "croner";
import { CronIssue, jobLabel } from "./issues";
import { parseSchedule, toCronerPattern } from "./schedule";
import type { CronJob } from "./types";
import { LocalTime, localTime, offsetChanges } from "./zone";

export interface CronRun {
  /** The instant Faktory enqueues the job (its schedule is evaluated in UTC). */
  readonly utc: Date;
  /** The same instant in the job's stated `timezone` (UTC when none is stated). */
  readonly local: LocalTime;
}

export interface NextRunsOptions {
  /** How many runs. @default 5 */
  readonly count?: number;
  /** Runs strictly after this instant. @default new Date() */
  readonly now?: Date;
}

function cronFor(schedule: string): Cron {
  const parsed = parseSchedule(schedule);
  if (!parsed.ok) throw new Error(`schedule ${JSON.stringify(schedule)} ${parsed.error}`);
  return new Cron(toCronerPattern(parsed.schedule), { timezone: "UTC", mode: "5-part", paused: true });
}

/** The next fire times of a (valid) job, in UTC and in its stated zone. */
export function nextRuns(job: CronJob, options: NextRunsOptions = {}): CronRun[] {
  const { count = 5, now = new Date() } = options;
  const zone = job.timezone ?? "UTC";
  return cronFor(job.schedule)
    .nextRuns(count, now)
    .map((utc) => ({ utc, local: localTime(utc, zone) }));
}

export interface DstDrift {
  /** Position of the job in the set. */
  readonly index: number;
  readonly job: string;
  readonly timezone: string;
  /** When the zone's offset changes. */
  readonly change: Date;
  /** The last run before the change, and the first after: same UTC time, different local time. */
  readonly before: CronRun;
  readonly after: CronRun;
  readonly message: string;
}

export interface DstOptions {
  /** Start of the horizon. @default new Date() */
  readonly now?: Date;
  /** Length of the horizon in days. @default 366 */
  readonly horizonDays?: number;
}

const ADVICE =
  "Faktory's cron cannot follow DST per job: adjust the schedule at each change, or accept the shift";

function show(run: CronRun): string {
  const { date, time, abbreviation, offset } = run.local;
  return `${date} ${time} ${abbreviation} (UTC${offset})`;
}

function utcTime(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function describeChange(before: CronRun, after: CronRun): string {
  return `${utcTime(before.utc)} = ${show(before)}, then ${utcTime(after.utc)} = ${show(after)}`;
}

/**
 * Jobs whose local run time moves because their stated zone changes its UTC offset within the
 * horizon while the schedule stays in UTC: the "all times UTC to produce CDT (UTC-5)" comment that
 * is true in summer only. Jobs running every hour are skipped: a shift changes nothing for them.
 */
export function findDstDrift(jobs: readonly CronJob[], options: DstOptions = {}): DstDrift[] {
  const { now = new Date(), horizonDays = 366 } = options;
  const end = new Date(now.getTime() + horizonDays * 86_400_000);
  const drifts: DstDrift[] = [];
  jobs.forEach((job, index) => {
    const zone = job.timezone;
    if (zone === undefined) return;
    const parsed = parseSchedule(job.schedule);
    if (!parsed.ok || parsed.schedule.hour.values.length === 24) return;
    const cron = cronFor(job.schedule);
    for (const change of offsetChanges(zone, now, end)) {
      const [beforeUtc] = cron.previousRuns(1, change);
      const afterUtc = cron.nextRun(new Date(change.getTime() - 1));
      if (!beforeUtc || beforeUtc < now || !afterUtc || afterUtc >= end) continue;
      const before = { utc: beforeUtc, local: localTime(beforeUtc, zone) };
      const after = { utc: afterUtc, local: localTime(afterUtc, zone) };
      // A job idle across the change (say, January only) can meet the same offset on both sides.
      if (before.local.offsetMinutes === after.local.offsetMinutes) continue;
      const label = jobLabel(job, index);
      const message =
        `${label}: schedule ${JSON.stringify(job.schedule)} runs in UTC, so its time in ${zone} shifts ` +
        `on ${localTime(change, zone).date}: ${describeChange(before, after)}. ${ADVICE}`;
      drifts.push({ index, job: label, timezone: zone, change, before, after, message });
    }
  });
  return drifts;
}

/** `findDstDrift` as warnings, one per job listing each change, to show with validation issues. */
export function dstWarnings(jobs: readonly CronJob[], options: DstOptions = {}): CronIssue[] {
  const byJob = new Map<number, DstDrift[]>();
  for (const d of findDstDrift(jobs, options)) byJob.set(d.index, [...(byJob.get(d.index) ?? []), d]);
  return [...byJob.values()].map((drifts) => {
    const { index, job, timezone } = drifts[0];
    const changes = drifts.map(
      (d) => `on ${localTime(d.change, timezone).date}, ${describeChange(d.before, d.after)}`,
    );
    const message =
      `${job}: timezone ${timezone}: schedule ${JSON.stringify(jobs[index].schedule)} runs in UTC, so its local ` +
      `time shifts at each DST change within the horizon: ${changes.join("; ")}. ${ADVICE}`;
    return { severity: "warning", index, job, field: "timezone", value: timezone, message };
  });
}
