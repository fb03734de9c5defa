import { parse, TomlError } from "smol-toml";
import { CronIssue, isRecord, showValue } from "./issues";
import { readMeta } from "./meta";
import type { CronJob } from "./types";
import { validateCronJobs } from "./validate";

export interface ParsedCronToml {
  /** Every `[[cron]]` entry as a definition, valid or not, in file order. */
  readonly definitions: readonly unknown[];
  /** The entries without errors, as typed definitions. */
  readonly jobs: readonly CronJob[];
  /** Errors and warnings; indexes refer to `definitions`. */
  readonly issues: readonly CronIssue[];
}

function fileIssue(
  field: string,
  value: unknown,
  message: string,
  severity: CronIssue["severity"],
): CronIssue {
  return { severity, index: -1, job: "cron.toml", field, value, message };
}

/**
 * Read an existing cron.toml (hand-written or rendered) into definitions and report what is
 * invalid, so a team can move its file to typed definitions. `# @name` / `# @timezone` /
 * `# @description` comments above a `[[cron]]` become those fields.
 */
export function parseCronToml(toml: string): ParsedCronToml {
  let doc: Record<string, unknown>;
  try {
    doc = parse(toml) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const message = `cron.toml is not valid TOML 1.0 (line ${err.line}, column ${err.column}): ${err.message.split("\n")[0]}`;
    return { definitions: [], jobs: [], issues: [fileIssue("(toml)", undefined, message, "error")] };
  }
  const issues: CronIssue[] = [];
  for (const key of Object.keys(doc)) {
    if (key !== "cron") {
      issues.push(
        fileIssue(
          key,
          doc[key],
          `cron.toml: top-level key "${key}" is not cron configuration and is ignored here`,
          "warning",
        ),
      );
    }
  }
  const cron = doc.cron ?? [];
  if (!Array.isArray(cron)) {
    const message = `cron.toml: cron must be an array of tables ([[cron]]); received ${showValue(cron)}`;
    return { definitions: [], jobs: [], issues: [...issues, fileIssue("cron", cron, message, "error")] };
  }
  const meta = readMeta(toml, cron.length);
  const definitions = cron.map((entry: unknown, i) => {
    if (!isRecord(entry)) return entry;
    const m = meta?.[i] ?? {};
    const def: Record<string, unknown> = {};
    if (m.name !== undefined) def.name = m.name;
    if (m.description !== undefined) def.description = m.description;
    def.schedule = entry.schedule;
    if (m.timezone !== undefined) def.timezone = m.timezone;
    def.job = entry.job;
    for (const [k, v] of Object.entries(entry)) if (!(k in def)) def[k] = v;
    return def;
  });
  const found = validateCronJobs(definitions);
  const bad = new Set(found.filter((i) => i.severity === "error").map((i) => i.index));
  return {
    definitions,
    jobs: definitions.filter((_, i) => !bad.has(i)) as CronJob[],
    issues: [...issues, ...found],
  };
}
