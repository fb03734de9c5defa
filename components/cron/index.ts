// faktory-ha/cron: typed Faktory Enterprise cron jobs — validation, cron.toml rendering and
// migration, next runs and DST drift.
export type { CronJob, CronJobSpec, JsonValue } from "./types";
export { CronValidationError } from "./issues";
export type { CronIssue } from "./issues";
export {
  validateCronJobs,
  assertValidCronJobs,
  QUEUE_NAME,
  RESERVE_FOR_MIN,
  RESERVE_FOR_MAX,
  FAKTORY_DEFAULTS,
} from "./validate";
export { renderCronToml, GENERATED_HEADER } from "./render";
export { parseCronToml } from "./parse";
export type { ParsedCronToml } from "./parse";
export { descriptorSpelling, parseSchedule, toCronerPattern, SCHEDULE_GRAMMAR } from "./schedule";
export type { ParsedSchedule, ScheduleField, ScheduleResult } from "./schedule";
export { nextRuns, findDstDrift, dstWarnings } from "./next";
export type { CronRun, DstDrift, DstOptions, NextRunsOptions } from "./next";
export { localTime, isKnownTimeZone } from "./zone";
export type { LocalTime } from "./zone";
