// Loads the stack's cron definitions (a .ts module, .json or .toml) and rejects invalid ones before
// any resource exists, naming the file, the job and the field.
import { relative } from "node:path";
import { assertValidCronJobs, type CronJob } from "../components/cron";
import { loadCronDefinitions } from "../cli/cron-load";

export function loadCronFile(file: string | undefined): CronJob[] {
  if (file === undefined) return [];
  const loaded = loadCronDefinitions(file);
  const errors = loaded.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    throw new Error(
      `faktory-ha:cronFile ${relative(process.cwd(), file) || file}:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
  }
  const definitions = loaded.definitions;
  assertValidCronJobs(definitions);
  return [...definitions];
}
