// Parsing the plain args: each against its schema (args-schema.ts), with its default when not given.
// A problem is recorded and the default stands in, so every other arg is still checked.
import { z } from "zod";
import { argProblems, parseArg } from "../arg-schema";
import { validateCronJobs } from "../cron/validate";
import { unknownKeyHint } from "../near-miss";
import { FAKTORY_ARG_NAMES } from "./arg-names";
import {
  editionSchema,
  int,
  leaseSchema,
  livenessSchema,
  startupSchema,
  podShape,
  secondariesSchema,
  serviceNameSchema,
  statsdSchema,
} from "./args-schema";
import { DEFAULTS } from "./defaults";
import { resolveMonitoring, type ResolvedMonitoring } from "./monitoring/manifests";
import { tlsSchema } from "./tls/args-schema";
import type { ParsedTls } from "./tls/manifests";
import type { FaktoryArgs, FaktoryEdition } from "./types";

/** The parsed plain args; `lease` and `liveness` are undefined when given but invalid. */
export interface ParsedArgs {
  readonly edition: FaktoryEdition;
  readonly secondaries: number;
  readonly serviceName: string;
  readonly lease: Required<NonNullable<FaktoryArgs["lease"]>> | undefined;
  readonly liveness: Required<NonNullable<FaktoryArgs["liveness"]>> | undefined;
  /** Undefined when given but invalid, or with enterprise (which has no startup probe). */
  readonly startup: Required<NonNullable<FaktoryArgs["startup"]>> | undefined;
  readonly deregistrationDelaySeconds: number;
  readonly runAsUser: number;
  readonly monitoring: ResolvedMonitoring;
  /** Undefined when not given or invalid. */
  readonly tls: ParsedTls | undefined;
}

// The StatefulSet's pods are named `<name>-<ordinal>` and carry a revision-hash label built from the
// name, which must stay within 63 characters.
const COMPONENT_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** The component's name, checked as part of its pods' names. */
export function nameProblems(name: string): string[] {
  return COMPONENT_NAME.test(name)
    ? []
    : [
        `name=${JSON.stringify(name)} must be a DNS label of at most 40 characters (lowercase letters, digits, "-")`,
      ];
}

/** Args a JavaScript caller passed that the component does not take (typos, removed args). */
export function unknownArgProblems(args: object): string[] {
  return Object.keys(args)
    .filter((key) => !FAKTORY_ARG_NAMES.includes(key))
    .map((key) => `${key} is not a known arg${unknownKeyHint(key, FAKTORY_ARG_NAMES, "args")}`);
}

/** Every problem of the cron job definitions (Enterprise only: with oss the edition rule refuses cron). */
export function cronProblems(edition: FaktoryEdition, cron: unknown): string[] {
  if (edition !== "enterprise" || cron === undefined) return [];
  return validateCronJobs(cron)
    .filter((issue) => issue.severity === "error")
    .map((issue) => `cron: ${issue.message}`);
}

/** Parses every plain arg; returns the values (defaults where not given or invalid) and the problems. */
export function parseArgs(args: FaktoryArgs): { values: ParsedArgs; problems: string[] } {
  const problems: string[] = [];
  /** The parsed value of one arg (its default when not given), or `fallback` after recording its problems. */
  const arg = <T extends z.ZodType, F>(
    path: string,
    schema: T,
    value: unknown,
    fallback: F,
  ): z.output<T> | F => {
    const parsed = parseArg(path, schema, value);
    if (parsed.ok) return parsed.value;
    problems.push(...parsed.problems);
    return fallback;
  };
  const edition = arg("edition", editionSchema.default(DEFAULTS.edition), args.edition, DEFAULTS.edition);
  const defaultSecondaries = DEFAULTS.secondaries[edition];
  const secondaries = arg(
    "secondaries",
    secondariesSchema.default(defaultSecondaries),
    args.secondaries,
    defaultSecondaries,
  );
  problems.push(...argProblems(z.object({ ...podShape, statsd: statsdSchema.optional() }), args));
  const serviceName = arg(
    "serviceName",
    serviceNameSchema.default(DEFAULTS.serviceName),
    args.serviceName,
    DEFAULTS.serviceName,
  );
  const lease = arg("lease", leaseSchema, args.lease ?? {}, undefined);
  const liveness = arg("liveness", livenessSchema, args.liveness ?? {}, undefined);
  const startup =
    edition === "oss" ? arg("startup", startupSchema, args.startup ?? {}, undefined) : undefined;
  const deregistrationDelaySeconds = arg(
    "deregistrationDelaySeconds",
    int("the NLB deregistration delay in seconds", 0, 3600).default(DEFAULTS.deregistrationDelaySeconds),
    args.deregistrationDelaySeconds,
    DEFAULTS.deregistrationDelaySeconds,
  );
  const runAsUser = arg(
    "runAsUser",
    int("a non-root UID", 1).default(DEFAULTS.runAsUser),
    args.runAsUser,
    DEFAULTS.runAsUser,
  );
  const tls = arg("tls", tlsSchema.optional(), args.tls, undefined);
  // Monitoring defaults live with its builders (monitoring/manifests.ts).
  const monitoring = resolveMonitoring(edition, args.monitoring);
  problems.push(...monitoring.problems, ...cronProblems(edition, args.cron));
  return {
    values: {
      edition,
      secondaries,
      serviceName,
      lease,
      liveness,
      startup,
      deregistrationDelaySeconds,
      runAsUser,
      monitoring: monitoring.monitoring,
      tls,
    },
    problems,
  };
}
