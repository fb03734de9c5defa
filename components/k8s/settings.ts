// Defaults and up-front validation of the plain (structural and timing) args. Pure, so each error
// message is tested table-driven; the component calls `resolveSettings` before creating anything.
import { resolveMonitoring, scrapeAnnotations, type ResolvedMonitoring } from "./monitoring/manifests";
import { SECRET_KEYS } from "./constants";
import {
  KEY_PREFIX_PATTERN,
  KEY_PREFIX_RULE,
  LEASE_DEFAULTS,
  leaseTimingProblems,
  livenessKillSeconds,
  redisUrlProblem,
  SUPERVISOR_INTS,
} from "../contract/supervisor";
import { imageRefProblem } from "../aws/image-ref";
import { argProblems, podShape, RESOURCE_DEFAULTS, resourcesSchema } from "./args-schema";
import { parseCidr } from "../aws/validate";
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
  liveness: { periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 1, terminationGracePeriodSeconds: 1 },
  readiness: { periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 1 },
  terminationGracePeriodSeconds: 30,
  /** Time after the stop timeout for the supervisor to release the lease and the router to drain. */
  handoverMarginSeconds: 5,
  deregistrationDelaySeconds: 15,
  requests: RESOURCE_DEFAULTS.requests,
  limits: RESOURCE_DEFAULTS.limits,
  runAsUser: 1000,
  storageSize: "10Gi",
  maxSecondaries: 10,
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
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}$/;

/** Applies the defaults and checks every plain arg; throws one Error listing every problem found. */
export function resolveSettings(name: string, args: FaktoryArgs): ResolvedSettings {
  const errors: string[] = [];
  // The StatefulSet's pods are named `<name>-<ordinal>` and carry a revision-hash label built from
  // the name, which must stay within 63 characters.
  if (!DNS_LABEL.test(name) || name.length > 40) {
    errors.push(
      `name=${JSON.stringify(name)} must be a DNS label of at most 40 characters (lowercase letters, digits, "-")`,
    );
  }
  const edition = args.edition ?? DEFAULTS.edition;
  if (edition !== "enterprise" && edition !== "oss") {
    errors.push(`edition=${JSON.stringify(edition)} is unknown: use "enterprise" or "oss"`);
  }
  const secondaries = args.secondaries ?? DEFAULTS.secondaries[edition === "oss" ? "oss" : "enterprise"];
  if (!isInt(secondaries) || secondaries < 0 || secondaries > DEFAULTS.maxSecondaries) {
    errors.push(
      `secondaries=${String(secondaries)} is invalid: use a whole number from 0 to ${DEFAULTS.maxSecondaries}`,
    );
  } else if (edition === "oss" && secondaries > 0) {
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
    if (args.license === undefined && existingSecret === undefined) {
      errors.push(
        `license is required with edition "enterprise" (or an existingSecret holding FAKTORY_LICENSE)`,
      );
    }
  } else if (edition === "oss") {
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
    for (const arg of ["password", "license"] as const) {
      if (args[arg] !== undefined) {
        errors.push(
          `${arg} must not be given with existingSecret=${JSON.stringify(existingSecret)}: the pods read ${SECRET_KEYS[arg]} from that Secret`,
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

  const serviceName = args.serviceName ?? DEFAULTS.serviceName;
  if (!DNS_LABEL.test(serviceName)) {
    errors.push(
      `serviceName=${JSON.stringify(serviceName)} is not a DNS label (lowercase letters, digits, "-", max 63)`,
    );
  }
  for (const [arg, list] of [
    ["vpcCidrs", args.vpcCidrs],
    ["allowedCidrs", args.allowedCidrs],
  ] as const) {
    if (!Array.isArray(list)) continue; // an Output: known only at deployment
    list.forEach((cidr: unknown, i: number) => {
      if (typeof cidr === "string" && parseCidr(cidr) === undefined) {
        errors.push(
          `${arg}[${i}]=${JSON.stringify(cidr)} is not an IPv4 CIDR: a network address and a prefix 0..32, e.g. 10.0.0.0/16`,
        );
      }
    });
  }
  if (args.statsd !== undefined && !HOST_PORT.test(args.statsd.location)) {
    errors.push(`statsd.location=${JSON.stringify(args.statsd.location)} must be "host:port"`);
  }

  const lease = { ...DEFAULTS.lease, ...args.lease };
  for (const key of [
    "ttlMs",
    "renewIntervalMs",
    "renewDeadlineMs",
    "pollMs",
    "routerHoldMs",
    "stopTimeoutMs",
  ] as const) {
    const { min, max } = SUPERVISOR_INTS[key];
    if (!isInt(lease[key]) || lease[key] < min || lease[key] > max) {
      errors.push(
        `lease.${key}=${String(lease[key])} must be a whole number of milliseconds from ${min} to ${max}`,
      );
    }
  }
  if (!KEY_PREFIX_PATTERN.test(lease.keyPrefix)) {
    errors.push(`lease.keyPrefix=${JSON.stringify(lease.keyPrefix)} is invalid: ${KEY_PREFIX_RULE}`);
  }
  errors.push(...leaseTimingProblems(lease, (key) => `lease.${key}`));

  const liveness = { ...DEFAULTS.liveness, ...args.liveness };
  for (const key of [
    "periodSeconds",
    "failureThreshold",
    "timeoutSeconds",
    "terminationGracePeriodSeconds",
  ] as const) {
    if (!isInt(liveness[key]) || liveness[key] < 1) {
      errors.push(`liveness.${key}=${String(liveness[key])} must be a whole number ≥ 1`);
    }
  }
  const killedAfterSeconds = livenessKillSeconds(liveness);
  if (edition === "enterprise" && killedAfterSeconds * 1000 >= lease.ttlMs) {
    errors.push(
      `liveness is too slow for the lease: liveness.periodSeconds (${liveness.periodSeconds}) × liveness.failureThreshold (${liveness.failureThreshold}) + liveness.timeoutSeconds (${liveness.timeoutSeconds}) + liveness.terminationGracePeriodSeconds (${liveness.terminationGracePeriodSeconds}) = ${killedAfterSeconds} s must be less than lease.ttlMs (${lease.ttlMs} ms), so a frozen supervisor and its Faktory are killed before a standby takes over`,
    );
  }

  const grace = args.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const minGrace = Math.ceil(lease.stopTimeoutMs / 1000) + DEFAULTS.handoverMarginSeconds;
  if (!isInt(grace) || grace < minGrace) {
    errors.push(
      `terminationGracePeriodSeconds=${String(grace)} is too short: it must be at least lease.stopTimeoutMs (${lease.stopTimeoutMs} ms) + ${DEFAULTS.handoverMarginSeconds} s = ${minGrace} s, so the primary stops Faktory and releases the lease before it is killed`,
    );
  }

  const dereg = args.deregistrationDelaySeconds ?? DEFAULTS.deregistrationDelaySeconds;
  if (!isInt(dereg) || dereg < 0 || dereg > 3600) {
    errors.push(`deregistrationDelaySeconds=${String(dereg)} must be a whole number from 0 to 3600`);
  }
  const runAsUser = args.runAsUser ?? DEFAULTS.runAsUser;
  if (!isInt(runAsUser) || runAsUser < 1) {
    errors.push(`runAsUser=${String(runAsUser)} must be a non-root UID (a whole number ≥ 1)`);
  }

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
