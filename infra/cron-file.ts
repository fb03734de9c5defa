// Loads the stack's cron definitions (a .ts module, .json or .toml) and rejects invalid ones before
// any resource exists, naming the file, the job and the field.
import { relative } from "node:path";
import { assertValidCronJobs, validateCronJobs, type CronJob } from "../components/cron";
import { CronLoadError, loadCronDefinitions, type LoadedDefinitions } from "../components/cron/load";

export function loadCronFile(file: string | undefined): CronJob[] {
  if (file === undefined) return [];
  let loaded: LoadedDefinitions;
  try {
    loaded = loadCronDefinitions(file);
  } catch (err) {
    if (err instanceof CronLoadError) throw new Error(`faktory-ha:cronFile: ${err.message}`);
    throw err;
  }
  const errors = [...loaded.issues, ...validateCronJobs(loaded.definitions)].filter(
    (i) => i.severity === "error",
  );
  if (errors.length > 0) {
    throw new Error(
      `faktory-ha:cronFile ${relative(process.cwd(), file) || file}:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
  }
  const definitions = loaded.definitions;
  assertValidCronJobs(definitions);
  return [...definitions];
}
