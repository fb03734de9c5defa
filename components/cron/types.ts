/** A value JSON can carry: what Faktory accepts in a job's `args` and `custom`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CronJobSpec {
  /** Faktory job type (the worker's registered name). Must be non-empty. */
  readonly type: string;
  /** Job arguments: an array of JSON values. @default [] */
  readonly args?: readonly JsonValue[];
  /** Queue name, `[a-zA-Z0-9._-]+`. @default "default" (Faktory's) */
  readonly queue?: string;
  /** Retries: integer ≥ -1 (-1: straight to the dead set; 0: dropped on failure). @default 25 (Faktory's) */
  readonly retry?: number;
  /** Seconds a worker may hold the job, 60..86400. @default 1800 (Faktory's) */
  readonly reserve_for?: number;
  /** Custom job attributes, e.g. `expires_in`. @default {} */
  readonly custom?: Readonly<Record<string, JsonValue>>;
}

/**
 * A Faktory Enterprise cron job, as a typed definition. Rendered to one `[[cron]]` table of
 * `/etc/faktory/conf.d/cron.toml`.
 */
export interface CronJob {
  /** Optional human name; unique within a set when given. */
  readonly name?: string;
  /** Optional human description (rendered as a TOML comment). */
  readonly description?: string;
  /** Five-field cron schedule, evaluated in the server's zone (UTC in the image). */
  readonly schedule: string;
  /** IANA zone the author means (e.g. "America/Chicago"): used to show local run times and DST drift. @default "UTC" */
  readonly timezone?: string;
  readonly job: CronJobSpec;
}
