// The cross-argument rules as the component applies them: the shared rules (arg-rules.ts, also used
// by the stack config) with the component's arg names, and the rules only the component needs
// (the stack always passes a Redis URL and never creates the namespace of an existing Secret).
import {
  leaseDatabaseProblem,
  leaseTimingProblems,
  redisUrlDatabase,
  redisUrlProblem,
  startupTimingProblems,
} from "../contract/supervisor";
import {
  editionIgnoresProblems,
  existingSecretConflictProblems,
  licenseRequiredProblem,
  ossStandbysProblem,
  type ArgNamer,
  type EditionArg,
  type RuleProblem,
} from "./arg-rules";
import { ruleMessage } from "./arg-problems";
import { DEFAULTS } from "./defaults";
import { scrapeAnnotations } from "./monitoring/manifests";
import type { ParsedArgs } from "./parse-args";
import type { FaktoryArgs } from "./types";

/** The component names each arg as it takes it. */
const argName: ArgNamer = (arg) => arg;

const isInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);

/** What a caller set for each edition-bound setting: secrets are never shown. */
function editionArgsGiven(args: FaktoryArgs): Partial<Record<EditionArg, RuleProblem["received"]>> {
  const value = (v: unknown): RuleProblem["received"] => (v === undefined ? "nothing" : { value: v });
  const secret = (v: unknown): RuleProblem["received"] => (v === undefined ? "nothing" : "secret");
  const monitoring = args.monitoring ?? {};
  return {
    redisUrl: secret(args.redisUrl),
    license: secret(args.license),
    cron: value(args.cron),
    statsd: value(args.statsd),
    lease: value(args.lease),
    tls: value(args.tls),
    scalerNamespaces: value(args.scalerNamespaces),
    storageSize: value(args.storageSize),
    storageClassName: value(args.storageClassName),
    startup: value(args.startup),
    // Only an explicit `true`: `false` is what oss does anyway.
    "monitoring.scrapeAnnotations": monitoring.scrapeAnnotations === true ? { value: true } : "nothing",
    "monitoring.podMonitor": value(monitoring.podMonitor),
    "monitoring.prometheusRule": value(monitoring.prometheusRule),
    "monitoring.dashboard": value(monitoring.dashboard),
  };
}

/** The rules shared with the stack config, in the component's words. */
function sharedRuleProblems(args: FaktoryArgs, parsed: ParsedArgs): string[] {
  const { edition, secondaries } = parsed;
  const problems = [
    ossStandbysProblem(edition, secondaries, argName),
    licenseRequiredProblem(
      edition,
      args.license === undefined ? "missing" : "given",
      args.existingSecret,
      argName,
    ),
    ...editionIgnoresProblems(edition, editionArgsGiven(args), argName),
    ...existingSecretConflictProblems(
      args.existingSecret,
      { password: args.password !== undefined, license: args.license !== undefined },
      argName,
    ),
  ];
  return problems.filter((p) => p !== undefined).map(ruleMessage);
}

/** Faktory Enterprise needs a Redis URL; a plain one is checked now, with its database against the lease's. */
function redisUrlProblems(args: FaktoryArgs, parsed: ParsedArgs): string[] {
  if (parsed.edition !== "enterprise") return [];
  const problems: string[] = [];
  if (args.redisUrl === undefined && args.existingSecret === undefined) {
    problems.push(`redisUrl is required with edition "enterprise" (or an existingSecret holding REDIS_URL)`);
  }
  // Checked when given as plain text; a secret Output is checked by the supervisor at start.
  if (typeof args.redisUrl !== "string") return problems;
  const urlProblem = redisUrlProblem(args.redisUrl);
  if (urlProblem !== undefined) return [...problems, `redisUrl ${urlProblem}`];
  const database = parsed.lease?.database ?? DEFAULTS.lease.database;
  const dbProblem = leaseDatabaseProblem(database, redisUrlDatabase(args.redisUrl));
  return dbProblem === undefined ? problems : [...problems, `lease.database=${database} ${dbProblem}`];
}

/** A Secret that already exists lives in a namespace that already exists. */
function existingSecretNamespaceProblems(args: FaktoryArgs): string[] {
  if (args.existingSecret === undefined || !(args.createNamespace ?? DEFAULTS.createNamespace)) return [];
  return [
    `existingSecret=${JSON.stringify(args.existingSecret)} needs createNamespace: false: the Secret lives in a namespace that already exists`,
  ];
}

/** The contract's fencing rules, and a pod grace period that covers stopping Faktory and the handover. */
function timingProblems(args: FaktoryArgs, parsed: ParsedArgs): string[] {
  const problems: string[] = [];
  const lease = parsed.lease ?? DEFAULTS.lease;
  // The OSS edition runs no lease: one server, nobody to take over from a frozen one.
  const probe =
    parsed.edition === "enterprise" && parsed.liveness !== undefined
      ? { timings: parsed.liveness, name: (key: string) => `liveness.${key}` }
      : undefined;
  if (parsed.lease !== undefined)
    problems.push(...leaseTimingProblems(lease, (key) => `lease.${key}`, probe));
  if (parsed.startup !== undefined) {
    const liveness = parsed.liveness ?? DEFAULTS.liveness;
    problems.push(...startupTimingProblems(parsed.startup, liveness, (key) => `startup.${key}`));
  }
  const grace = args.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const minGrace = Math.ceil(lease.stopTimeoutMs / 1000) + DEFAULTS.handoverMarginSeconds;
  if (!isInt(grace) || grace < minGrace) {
    problems.push(
      `terminationGracePeriodSeconds=${String(grace)} is too short: it must be at least lease.stopTimeoutMs (${lease.stopTimeoutMs} ms) + ${DEFAULTS.handoverMarginSeconds} s = ${minGrace} s, so the primary stops Faktory and releases the lease before it is killed`,
    );
  }
  return problems;
}

/** The scrape annotations are the component's while it sets them. */
function podAnnotationProblems(args: FaktoryArgs, parsed: ParsedArgs): string[] {
  const own = Object.keys(scrapeAnnotations(parsed.monitoring.scrapeAnnotations));
  return Object.keys(args.podAnnotations ?? {})
    .filter((key) => own.includes(key))
    .map(
      (key) =>
        `podAnnotations[${JSON.stringify(key)}] is set by the component (Prometheus scrape annotations): remove it, or set monitoring.scrapeAnnotations to false`,
    );
}

/** Every cross-argument problem of the component's args. */
export function crossArgProblems(args: FaktoryArgs, parsed: ParsedArgs): string[] {
  return [
    ...sharedRuleProblems(args, parsed),
    ...redisUrlProblems(args, parsed),
    ...existingSecretNamespaceProblems(args),
    ...timingProblems(args, parsed),
    ...podAnnotationProblems(args, parsed),
  ];
}
