/** A problem found in a cron job set. Errors block rendering; warnings are shown and let it pass. */
export interface CronIssue {
  readonly severity: "error" | "warning";
  /** Position of the job in the set (0-based), or -1 for the set as a whole. */
  readonly index: number;
  /** How the job is named in messages: `cron job "name"`, or `cron job [index] (type "T")`. */
  readonly job: string;
  /** Path of the field, e.g. `schedule`, `job.retry`, `job.args[1]`, `job.custom.expires_in`. */
  readonly field: string;
  /** The value received (`undefined` when missing). */
  readonly value: unknown;
  /** The full message: job, field, what is allowed and the value received. */
  readonly message: string;
}

/** Thrown by `assertValidCronJobs` (and so by `renderCronToml`) when a set has errors. */
export class CronValidationError extends Error {
  readonly issues: readonly CronIssue[];
  constructor(issues: readonly CronIssue[]) {
    const errors = issues.filter((i) => i.severity === "error");
    super(
      `${errors.length} error${errors.length === 1 ? "" : "s"} in cron job definitions:\n` +
        errors.map((i) => `  - ${i.message}`).join("\n"),
    );
    this.name = "CronValidationError";
    this.issues = issues;
  }
}

/** A value as shown in messages: JSON where possible, shortened so one message stays one line. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function jobLabel(raw: unknown, index: number): string {
  const rec = isRecord(raw) ? raw : {};
  if (typeof rec.name === "string" && rec.name.trim() !== "") return `cron job ${JSON.stringify(rec.name)}`;
  const job = isRecord(rec.job) ? rec.job : {};
  const type =
    typeof job.type === "string" && job.type.trim() !== "" ? ` (type ${JSON.stringify(job.type)})` : "";
  return `cron job [${index}]${type}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
