// Plain-text rendering for `cron next`: one table, job columns printed on a job's first row only.
import type { CronJob, CronRun } from "../components/cron";

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

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
  return pad(rows);
}
