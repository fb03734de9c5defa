// The rules that relate several Faktory args (edition against standbys, license, Redis, monitoring;
// existingSecret against password and license), written once for both callers: the component names
// the args as it takes them (`secondaries`), the stack config as its keys (`faktory-ha:secondaries`),
// through the `name` callback, as `leaseTimingProblems` does for the timing rules.
import { SECRET_KEYS } from "./constants";
import type { FaktoryEdition } from "./types";

/** The args (and nested parts) a cross-argument rule can name. */
export type RuleArg =
  | "edition"
  | "secondaries"
  | "redisUrl"
  | "license"
  | "password"
  | "existingSecret"
  | "cron"
  | "statsd"
  | "lease"
  | "storageSize"
  | "storageClassName"
  | "startup"
  | "tls"
  | "scalerNamespaces"
  | MonitoringPart;

/** The monitoring settings that need the supervisor's `/metrics` (enterprise). */
export type MonitoringPart =
  | "monitoring.scrapeAnnotations"
  | "monitoring.podMonitor"
  | "monitoring.prometheusRule"
  | "monitoring.dashboard";

/** How a caller names an arg in its messages. */
export type ArgNamer = (arg: RuleArg) => string;

/** A broken rule: the arg to blame (as named by the caller), what it holds, and the rule as a predicate. */
export interface RuleProblem {
  readonly key: string;
  /** What the arg holds: a value that may be shown, a secret (never shown), or nothing. */
  readonly received: { readonly value: unknown } | "secret" | "nothing";
  /** "must be …", "is …": reads after the key in either caller's message format. */
  readonly rule: string;
}

/** Open-source Faktory runs one server: its Redis lives in the pod, on the pod's own volume. */
export function ossStandbysProblem(
  edition: FaktoryEdition,
  secondaries: number,
  name: ArgNamer,
): RuleProblem | undefined {
  if (edition !== "oss" || secondaries === 0) return undefined;
  return {
    key: name("secondaries"),
    received: { value: secondaries },
    rule: `must be 0 with ${name("edition")} "oss": open-source Faktory runs its Redis inside the pod, on the pod's own volume, so only one server can run; set ${name("edition")} to "enterprise" for hot standbys`,
  };
}

/** The settings only Faktory Enterprise (with the supervisor) uses. */
type EnterpriseOnlyArg =
  "redisUrl" | "license" | "cron" | "statsd" | "lease" | "tls" | "scalerNamespaces" | MonitoringPart;

const NO_METRICS =
  "the metrics come from the faktory-ha supervisor's /metrics, which open-source Faktory alone does not serve";
/** Why open-source Faktory has no use for each Enterprise-only setting. */
const OSS_IGNORES: Readonly<Record<EnterpriseOnlyArg, string>> = {
  redisUrl: "it runs its own Redis",
  license: "the license is for Faktory Enterprise",
  cron: "cron needs Faktory Enterprise",
  statsd: "statsd needs Faktory Enterprise",
  lease: "it runs one server and no supervisor, so there is no lease",
  tls: "the TLS ports are served by the faktory-ha supervisor's routers; open-source Faktory alone has no TLS",
  scalerNamespaces:
    "the scaler endpoint is served by the faktory-ha supervisor on its health port, which open-source Faktory alone does not have",
  "monitoring.scrapeAnnotations": NO_METRICS,
  "monitoring.podMonitor": NO_METRICS,
  "monitoring.prometheusRule": NO_METRICS,
  "monitoring.dashboard": NO_METRICS,
};
/** The settings only the open-source edition uses. */
const ENTERPRISE_IGNORES = {
  storageSize:
    "it sizes the open-source server's own Redis volume; Faktory Enterprise keeps its data in Redis",
  storageClassName:
    "it picks the open-source server's own Redis volume; Faktory Enterprise keeps its data in Redis",
  startup:
    "it gives the open-source server time to load its own Redis; the supervisor answers at once and its Faktory loads none",
} as const;
/** The settings one edition uses and the other would ignore. */
export type EditionArg = keyof typeof OSS_IGNORES | keyof typeof ENTERPRISE_IGNORES;

/**
 * Settings the chosen edition would ignore, each an error naming it (a stack or a JavaScript caller
 * would otherwise plan cleanly and silently drop them).
 * @param given what the caller set, per setting: a value to show, "secret", or "nothing" (or left out).
 */
export function editionIgnoresProblems(
  edition: FaktoryEdition,
  given: Readonly<Partial<Record<EditionArg, RuleProblem["received"]>>>,
  name: ArgNamer,
): RuleProblem[] {
  const [ignored, other] = edition === "oss" ? [OSS_IGNORES, "enterprise"] : [ENTERPRISE_IGNORES, "oss"];
  return Object.entries(ignored).flatMap(([arg, why]) => {
    const received = given[arg as EditionArg];
    if (received === undefined || received === "nothing") return [];
    return [
      {
        key: name(arg as EditionArg),
        received,
        rule: `is not used with ${name("edition")} "${edition}" (${why}): remove it or set ${name("edition")} to "${other}"`,
      },
    ];
  });
}

/** Faktory Enterprise needs its license, given or in the existing Secret. */
export function licenseRequiredProblem(
  edition: FaktoryEdition,
  license: "given" | "missing",
  existingSecret: string | undefined,
  name: ArgNamer,
): RuleProblem | undefined {
  if (edition !== "enterprise" || license === "given" || existingSecret !== undefined) return undefined;
  return {
    key: name("license"),
    received: "nothing",
    rule: `is required with ${name("edition")} "enterprise": set it to your Faktory Enterprise license, set ${name("existingSecret")} to a Secret holding ${SECRET_KEYS.license}, or set ${name("edition")} to "oss" (one server, no standbys, no cron)`,
  };
}

/** With an existing Secret the pods read the password and license from it: a second source is an error. */
export function existingSecretConflictProblems(
  existingSecret: string | undefined,
  given: Readonly<Record<"password" | "license", boolean>>,
  name: ArgNamer,
): RuleProblem[] {
  if (existingSecret === undefined) return [];
  return (["password", "license"] as const)
    .filter((arg) => given[arg])
    .map((arg) => ({
      key: name(arg),
      received: "secret" as const,
      rule: `must not be given with ${name("existingSecret")}=${JSON.stringify(existingSecret)}: the pods read ${SECRET_KEYS[arg]} from that Secret; remove one of them`,
    }));
}
