// `faktory-ha cron check|render|next|migrate`: typed cron definitions checked, rendered to the
// cron.toml Faktory reads, and previewed as upcoming runs.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { Command } from "commander";
import {
  descriptorSpelling,
  dstWarnings,
  nextRuns,
  renderCronToml,
  validateCronJobs,
  type CronIssue,
  type CronJob,
} from "../components/cron";
import { CronLoadError, loadCronDefinitions } from "../components/cron/load";
import { runsTable } from "./cron-table";
import { exitTwoOnUsageError, processIO, runCountOption, USAGE_EXIT, type CliIO } from "./options";

/** Exit codes of the cron commands. */
export const EXIT = {
  /** Valid (warnings may have been printed). */
  ok: 0,
  /** The definitions are invalid (including TOML/JSON syntax errors); the errors were printed. */
  invalid: 1,
  /** The command could not run: bad usage or option, file missing or unreadable, module failed to load. */
  usage: USAGE_EXIT,
} as const;

type Checked = { readonly ok: true; readonly jobs: readonly CronJob[] } | { readonly ok: false };

function list(io: CliIO, issues: readonly CronIssue[]): void {
  for (const issue of issues) io.stderr(`${issue.severity}: ${issue.message}\n`);
}

/**
 * Migration writes descriptors such as `@hourly` out in five fields: the typed definitions accept only
 * what Faktory documents, and the replacement is exact. Each one is reported on stderr.
 */
function spellOutDescriptors(io: CliIO, file: string, definitions: unknown): unknown {
  if (!Array.isArray(definitions)) return definitions;
  return definitions.map((d: unknown, index) => {
    if (typeof d !== "object" || d === null) return d;
    const schedule = (d as { schedule?: unknown }).schedule;
    const spelled = typeof schedule === "string" ? descriptorSpelling(schedule) : undefined;
    if (spelled === undefined) return d;
    io.stderr(
      `note: ${file}: cron job ${index + 1}: schedule "${String(schedule)}" written as "${spelled}"\n`,
    );
    return { ...d, schedule: spelled };
  });
}

/** Load and validate; print every issue; on failure set the exit code and return not ok. */
function loadChecked(io: CliIO, file: string, now: Date, migrate = false): Checked {
  let loaded;
  try {
    loaded = loadCronDefinitions(file);
  } catch (err) {
    if (!(err instanceof CronLoadError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    io.setExitCode(EXIT.usage);
    return { ok: false };
  }
  if (migrate) loaded = { ...loaded, definitions: spellOutDescriptors(io, file, loaded.definitions) };
  const issues = [...loaded.issues, ...validateCronJobs(loaded.definitions)];
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    list(io, issues);
    io.stderr(`${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}\n`);
    io.setExitCode(EXIT.invalid);
    return { ok: false };
  }
  const jobs = loaded.definitions as readonly CronJob[];
  list(io, [...issues, ...dstWarnings(jobs, { now })]);
  return { ok: true, jobs };
}

function parseFrom(text: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(d.getTime())) {
    throw new UsageError(`--from must be an ISO 8601 instant like 2026-03-01T00:00:00Z; received "${text}"`);
  }
  return d;
}

class UsageError extends Error {}

/** Write to a temporary file next to the target, then rename: the target is whole or untouched. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function run(io: CliIO, action: () => void): void {
  try {
    action();
  } catch (err) {
    if (
      !(err instanceof UsageError) &&
      !(err instanceof CronLoadError) &&
      !(err instanceof Error && "code" in err)
    ) {
      throw err;
    }
    io.stderr(`error: ${err.message}\n`);
    io.setExitCode(EXIT.usage);
  }
}

/** Add `cron check|render|next|migrate` to the program. */
export function registerCron(program: Command, io: CliIO = processIO): void {
  const cron = exitTwoOnUsageError(program.command("cron")).description(
    "Typed Faktory Enterprise cron jobs: check, render cron.toml, preview next runs",
  );

  cron
    .command("check")
    .description("Validate definitions (.toml, .json, or a .ts/.js module); exit 1 listing the errors")
    .argument("<file>", "cron.toml, definitions JSON, or a module exporting CronJob[]")
    .option("--from <instant>", "start of the DST-drift horizon (ISO 8601; default: now)")
    .action((file: string, opts: { from?: string }) =>
      run(io, () => {
        const now = opts.from ? parseFrom(opts.from) : io.now();
        const checked = loadChecked(io, file, now);
        if (checked.ok)
          io.stdout(
            `${file}: ${checked.jobs.length} cron job${checked.jobs.length === 1 ? "" : "s"} valid\n`,
          );
      }),
    );

  cron
    .command("render")
    .description("Print the normalized cron.toml Faktory reads from /etc/faktory/conf.d/")
    .argument("<file>", "cron.toml, definitions JSON, or a module exporting CronJob[]")
    .option("-o, --output <path>", "write to this file (whole or not at all) instead of stdout")
    .action((file: string, opts: { output?: string }) =>
      run(io, () => {
        const checked = loadChecked(io, file, io.now());
        if (!checked.ok) return;
        const toml = renderCronToml(checked.jobs);
        if (opts.output) writeAtomically(opts.output, toml);
        else io.stdout(toml);
      }),
    );

  cron
    .command("next")
    .description("Print the next runs of each job in UTC and in its stated time zone, with DST warnings")
    .argument("<file>", "cron.toml, definitions JSON, or a module exporting CronJob[]")
    .addOption(runCountOption("-n, --count <n>", 5))
    .option("--from <instant>", "list runs after this instant (ISO 8601; default: now)")
    .action((file: string, opts: { count: number; from?: string }) =>
      run(io, () => {
        const now = opts.from ? parseFrom(opts.from) : io.now();
        const checked = loadChecked(io, file, now);
        if (!checked.ok) return;
        const entries = checked.jobs.map((job, index) => ({
          job,
          index,
          runs: nextRuns(job, { count: opts.count, now }),
        }));
        io.stdout(`${runsTable(entries)}\n`);
      }),
    );

  cron
    .command("migrate")
    .description(
      "Print a TypeScript definitions module for an existing cron.toml (exit 1 if any entry is invalid)",
    )
    .argument("<file>", "an existing cron.toml")
    .action((file: string) =>
      run(io, () => {
        const checked = loadChecked(io, file, io.now(), true);
        if (!checked.ok) return;
        io.stdout(
          'import type { CronJob } from "faktory-ha/cron";\n\n' +
            `const cronJobs: CronJob[] = ${JSON.stringify(checked.jobs, null, 2)};\n\nexport default cronJobs;\n`,
        );
      }),
    );
}
