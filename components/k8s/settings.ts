// Defaults and up-front validation of the plain (structural and timing) args. Pure, so each error
// message is tested table-driven; the component calls `resolveSettings` before creating anything.
import { resolveMonitoring, scrapeAnnotations, type ResolvedMonitoring } from "./monitoring/manifests";
import { SECRET_KEYS } from "./constants";
import type { z } from "zod";
import {
  LEASE_DEFAULTS,
  leaseDatabaseProblem,
  redisUrlDatabase,
  leaseTimingProblems,
  redisUrlProblem,
} from "../contract/supervisor";
import { imageRefProblem } from "../aws/image-ref";
import { cidrSchema } from "../aws/args-schema";
import {
  argProblems,
  editionSchema,
  int,
  leaseSchema,
  LIVENESS_DEFAULTS,
  livenessSchema,
  MAX_SECONDARIES,
  namespaceSchema,
  parseArg,
  podShape,
  RESOURCE_DEFAULTS,
  resourcesSchema,
  secondariesSchema,
  serviceNameSchema,
  statsdSchema,
} from "./args-schema";
import type { FaktoryArgs, FaktoryEdition } from "./types";

/** Every default of the component, in one place. */
export const DEFAULTS = {
  edition: "enterprise" as FaktoryEdition,
  secondaries: { enterprise: 1, oss: 0 },
  createNamespace: true,
  webUi: false,
  loadBalancer: true,
  serviceName: "faktory",
  lease: LEASE_DEFAULTS,
  liveness: LIVENESS_DEFAULTS,
  readiness: { periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 1 },
  terminationGracePeriodSeconds: 30,
  /** Time after the stop timeout for the supervisor to release the lease and the router to drain. */
  handoverMarginSeconds: 5,
  deregistrationDelaySeconds: 15,
  requests: RESOURCE_DEFAULTS.requests,
  limits: RESOURCE_DEFAULTS.limits,
  runAsUser: 1000,
  storageSize: "10Gi",
  maxSecondaries: MAX_SECONDARIES,
  passwordLength: 32,
} as const;

export interface ResolvedSettings {
  readonly edition: FaktoryEdition;
  readonly secondaries: number;
  readonly replicas: number;
  readonly createNamespace: boolean;
  readonly webUi: boolean;
  readonly serviceName: string;
  readonly lease: Required<NonNullable<FaktoryArgs["lease"]>>;
  readonly liveness: Required<NonNullable<FaktoryArgs["liveness"]>>;
  readonly terminationGracePeriodSeconds: number;
  readonly deregistrationDelaySeconds: number;
  readonly runAsUser: number;
  readonly monitoring: ResolvedMonitoring;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: NonNullable<FaktoryArgs["tolerations"]>;
  readonly affinity: FaktoryArgs["affinity"];
  readonly priorityClassName: string | undefined;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly extraEnv: NonNullable<FaktoryArgs["extraEnv"]>;
  readonly extraConfFiles: Readonly<Record<string, string>>;
  readonly existingSecret: string | undefined;
}

/** Whether an Input is a plain value (checked up front) rather than an Output (known at deployment). */
const isPlain = (value: unknown): boolean =>
  value === null || typeof value !== "object" || typeof (value as { apply?: unknown }).apply !== "function";

const isInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);
const COMPONENT_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Applies the defaults and checks every plain arg; throws one Error listing every problem found. */
export function resolveSettings(name: string, args: FaktoryArgs): ResolvedSettings {
  const errors: string[] = [];
  /** The parsed value of one arg (its default when not given), or `fallback` after recording its problems. */
  const arg = <T extends z.ZodType, F>(
    path: string | readonly PropertyKey[],
    schema: T,
    value: unknown,
    fallback: F,
  ): z.output<T> | F => {
    const parsed = parseArg(path, schema, value);
    if (parsed.ok) return parsed.value;
    errors.push(...parsed.problems);
    return fallback;
  };
  // The StatefulSet's pods are named `<name>-<ordinal>` and carry a revision-hash label built from
  // the name, which must stay within 63 characters.
  if (!COMPONENT_NAME.test(name)) {
    errors.push(
      `name=${JSON.stringify(name)} must be a DNS label of at most 40 characters (lowercase letters, digits, "-")`,
    );
  }
  const edition = arg("edition", editionSchema.default(DEFAULTS.edition), args.edition, DEFAULTS.edition);
  const secondaries = arg(
    "secondaries",
    secondariesSchema.default(DEFAULTS.secondaries[edition]),
    args.secondaries,
    DEFAULTS.secondaries[edition],
  );
  if (edition === "oss" && secondaries > 0) {
    errors.push(
      `secondaries=${secondaries} is not allowed with edition "oss": the OSS server keeps its Redis on its own volume, so it cannot have standbys; use secondaries 0 or edition "enterprise"`,
    );
  }
  const { existingSecret } = args;
  if (edition === "enterprise") {
    if (args.redisUrl === undefined && existingSecret === undefined) {
      errors.push(`redisUrl is required with edition "enterprise" (or an existingSecret holding REDIS_URL)`);
    }
    // Checked when given as plain text; a secret Output is checked by the supervisor at start.
    const urlProblem = typeof args.redisUrl === "string" ? redisUrlProblem(args.redisUrl) : undefined;
    if (urlProblem !== undefined) errors.push(`redisUrl ${urlProblem}`);
    else if (typeof args.redisUrl === "string") {
      const database = args.lease?.database ?? LEASE_DEFAULTS.database;
      const dbProblem = leaseDatabaseProblem(database, redisUrlDatabase(args.redisUrl));
      if (dbProblem !== undefined) errors.push(`lease.database=${database} ${dbProblem}`);
    }
    if (args.license === undefined && existingSecret === undefined) {
      errors.push(
        `license is required with edition "enterprise" (or an existingSecret holding FAKTORY_LICENSE)`,
      );
    }
  } else {
    if (args.redisUrl !== undefined) {
      errors.push(
        `redisUrl is not used with edition "oss" (it runs its own Redis): remove it or use edition "enterprise"`,
      );
    }
    if ((args.cron ?? []).length > 0) {
      errors.push(
        `cron (${args.cron?.length} jobs) needs Faktory Enterprise: remove it or use edition "enterprise"`,
      );
    }
    if (args.statsd !== undefined)
      errors.push(`statsd needs Faktory Enterprise: remove it or use edition "enterprise"`);
  }
  if (existingSecret !== undefined) {
    for (const key of ["password", "license"] as const) {
      if (args[key] !== undefined) {
        errors.push(
          `${key} must not be given with existingSecret=${JSON.stringify(existingSecret)}: the pods read ${SECRET_KEYS[key]} from that Secret`,
        );
      }
    }
    if (args.createNamespace ?? DEFAULTS.createNamespace) {
      errors.push(
        `existingSecret=${JSON.stringify(existingSecret)} needs createNamespace: false: the Secret lives in a namespace that already exists`,
      );
    }
  }
  errors.push(...argProblems(podShape, args));
  if (args.resources !== undefined && isPlain(args.resources)) {
    const { requests, limits } = args.resources;
    // Each part is an Input too: only plain parts can be checked before deployment.
    errors.push(
      ...argProblems(
        { resources: resourcesSchema },
        {
          resources: {
            ...(requests !== undefined && isPlain(requests) ? { requests } : {}),
            ...(limits !== undefined && isPlain(limits) ? { limits } : {}),
          },
        },
      ),
    );
  }

  const serviceName = arg(
    "serviceName",
    serviceNameSchema.default(DEFAULTS.serviceName),
    args.serviceName,
    DEFAULTS.serviceName,
  );
  if (typeof args.namespace === "string") arg("namespace", namespaceSchema, args.namespace, args.namespace);
  // Lists and their items are Inputs: the plain ones are checked now, the rest at deployment.
  for (const [key, item] of [
    ["vpcCidrs", cidrSchema],
    ["allowedCidrs", cidrSchema],
    ["allowedNamespaces", namespaceSchema],
  ] as const) {
    const list = args[key];
    if (!Array.isArray(list)) continue;
    list.forEach((value: unknown, i: number) => {
      if (typeof value === "string") arg([key, i], item, value, value);
    });
  }
  errors.push(...argProblems({ statsd: statsdSchema.optional() }, args));

  const leaseArg = arg("lease", leaseSchema, args.lease ?? {}, undefined);
  const lease = leaseArg ?? DEFAULTS.lease;
  const livenessArg = arg("liveness", livenessSchema, args.liveness ?? {}, undefined);
  const liveness = livenessArg ?? DEFAULTS.liveness;
  // The OSS edition runs no lease: one server, nobody to take over from a frozen one.
  const probe =
    edition === "enterprise" && livenessArg !== undefined
      ? { timings: liveness, name: (key: string) => `liveness.${key}` }
      : undefined;
  if (leaseArg !== undefined) errors.push(...leaseTimingProblems(lease, (key) => `lease.${key}`, probe));

  const grace = args.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const minGrace = Math.ceil(lease.stopTimeoutMs / 1000) + DEFAULTS.handoverMarginSeconds;
  if (!isInt(grace) || grace < minGrace) {
    errors.push(
      `terminationGracePeriodSeconds=${String(grace)} is too short: it must be at least lease.stopTimeoutMs (${lease.stopTimeoutMs} ms) + ${DEFAULTS.handoverMarginSeconds} s = ${minGrace} s, so the primary stops Faktory and releases the lease before it is killed`,
    );
  }

  const dereg = arg(
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

  // Monitoring defaults live with its builders (monitoring/manifests.ts).
  const { monitoring, problems: monitoringProblems } = resolveMonitoring(edition, args.monitoring);
  errors.push(...monitoringProblems);
  const ownAnnotations = Object.keys(scrapeAnnotations(monitoring.scrapeAnnotations));
  for (const key of Object.keys(args.podAnnotations ?? {}).filter((k) => ownAnnotations.includes(k))) {
    errors.push(
      `podAnnotations[${JSON.stringify(key)}] is set by the component (Prometheus scrape annotations): remove it, or set monitoring.scrapeAnnotations to false`,
    );
  }

  if (errors.length > 0) throw new Error(`invalid Faktory args:\n  - ${errors.join("\n  - ")}`);
  return {
    edition,
    secondaries,
    replicas: 1 + secondaries,
    createNamespace: args.createNamespace ?? DEFAULTS.createNamespace,
    webUi: args.webUi ?? DEFAULTS.webUi,
    serviceName,
    lease,
    liveness,
    terminationGracePeriodSeconds: grace,
    deregistrationDelaySeconds: dereg,
    runAsUser,
    monitoring,
    nodeSelector: args.nodeSelector ?? {},
    tolerations: args.tolerations ?? [],
    affinity: args.affinity,
    priorityClassName: args.priorityClassName,
    podLabels: args.podLabels ?? {},
    podAnnotations: args.podAnnotations ?? {},
    extraEnv: args.extraEnv ?? [],
    extraConfFiles: args.extraConfFiles ?? {},
    existingSecret,
  };
}

/** The keys an `existingSecret` must hold: the password; with enterprise the license, and the Redis URL unless given. */
export function existingSecretKeys(edition: FaktoryEdition, redisUrlGiven: boolean): string[] {
  if (edition === "oss") return [SECRET_KEYS.password];
  return [SECRET_KEYS.password, SECRET_KEYS.license, ...(redisUrlGiven ? [] : [SECRET_KEYS.redisUrl])];
}

/**
 * Checks that an image reference is pinned: a digest, or a tag other than `latest`. With
 * `IfNotPresent` a floating tag would run whatever each node cached last.
 * @returns the error message, or undefined when pinned.
 */
export function imagePinningError(image: string): string | undefined {
  const problem = imageRefProblem(image);
  return problem === undefined ? undefined : `image=${JSON.stringify(image)} is not pinned: it ${problem}`;
}
