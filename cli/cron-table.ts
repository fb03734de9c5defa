// Plain-text rendering for `cron next`: one table, job columns printed on a job's first row only.
import type { CronJob, CronRun } from "../components/cron";
import { textTable } from "./text-table";

export function jobName(job: CronJob, index: number): string {
  return job.name ?? `[${index}] ${job.job.type}`;
}

export function runsTable(
  entries: readonly { job: CronJob; index: number; runs: readonly CronRun[] }[],
): string {
  const rows: string[][] = [["JOB", "SCHEDULE", "ZONE", "UTC", "LOCAL (ZONE)"]];
  for (const { job, index, runs } of entries) {
    runs.forEach((run, i) => {
      const utc = `${run.utc.toISOString().slice(0, 16).replace("T", " ")} ${run.utc.toUTCString().slice(0, 3)}`;
      const { date, time, weekday, abbreviation, offset } = run.local;
      const local =
        job.timezone === undefined ? "-" : `${date} ${time} ${weekday} ${abbreviation} (UTC${offset})`;
      rows.push(
        i === 0
          ? [jobName(job, index), job.schedule, job.timezone ?? "UTC", utc, local]
          : ["", "", "", utc, local],
      );
    });
    if (runs.length === 0)
      rows.push([jobName(job, index), job.schedule, job.timezone ?? "UTC", "(none)", "-"]);
  }
  return textTable(rows);
}
