// The contract between the Faktory component, which writes a pod's environment, and the supervisor,
// which reads it: variable names, ports, paths, defaults, ranges and the timing rules that keep two
// Faktory from running at once. Both sides import this module; nothing here is written twice.

/** Integer settings the supervisor reads from its environment. */
export const SUPERVISOR_INTS = {
  port: { env: "FAKTORY_HA_PORT", default: 7419, min: 1, max: 65535, unit: "port" },
  webPort: { env: "FAKTORY_HA_WEB_PORT", default: 7420, min: 1, max: 65535, unit: "port" },
  healthPort: { env: "FAKTORY_HA_HEALTH_PORT", default: 7421, min: 1, max: 65535, unit: "port" },
  internalPort: { env: "FAKTORY_HA_INTERNAL_PORT", default: 17419, min: 1, max: 65535, unit: "port" },
  internalWebPort: { env: "FAKTORY_HA_INTERNAL_WEB_PORT", default: 17420, min: 1, max: 65535, unit: "port" },
  // Timings have floors so that a typo like "10" (meant as seconds) is caught instead of a flapping lease.
  ttlMs: { env: "FAKTORY_HA_LEASE_TTL_MS", default: 10_000, min: 1_000, max: 3_600_000, unit: "ms" },
  renewIntervalMs: {
    env: "FAKTORY_HA_RENEW_INTERVAL_MS",
    default: 1_500,
    min: 100,
    max: 3_600_000,
    unit: "ms",
  },
  renewDeadlineMs: {
    env: "FAKTORY_HA_RENEW_DEADLINE_MS",
    default: 4_000,
    min: 200,
    max: 3_600_000,
    unit: "ms",
  },
  pollMs: { env: "FAKTORY_HA_POLL_MS", default: 500, min: 50, max: 3_600_000, unit: "ms" },
  routerHoldMs: { env: "FAKTORY_HA_ROUTER_HOLD_MS", default: 15_000, min: 0, max: 3_600_000, unit: "ms" },
  stopTimeoutMs: { env: "FAKTORY_HA_STOP_TIMEOUT_MS", default: 2_000, min: 100, max: 3_600_000, unit: "ms" },
  // Faktory's figures older than a few scrape intervals are no use to an alert.
  metricsIntervalMs: {
    env: "FAKTORY_HA_METRICS_INTERVAL_MS",
    default: 5_000,
    min: 250,
    max: 300_000,
    unit: "ms",
  },
} as const;

export type SupervisorInt = keyof typeof SUPERVISOR_INTS;

/** String settings; the pod's own identity and address come from the Downward API. */
export const SUPERVISOR_STRINGS = {
  id: { env: "FAKTORY_HA_ID" },
  advertiseHost: { env: "FAKTORY_HA_ADVERTISE_HOST" },
  bindHost: { env: "FAKTORY_HA_BIND_HOST", default: "0.0.0.0" },
  keyPrefix: { env: "FAKTORY_HA_KEY_PREFIX", default: "faktory-ha" },
  configDir: { env: "FAKTORY_HA_CONFIG_DIR", default: "/etc/faktory/conf.d" },
  /** The pod template revision (controller-revision-hash): a planned stop prefers an updated successor. */
  revision: { env: "FAKTORY_HA_REVISION", default: "" },
} as const;

/** A Kubernetes label value, as the API server accepts it; the revision is one (a label of the pod). */
export const LABEL_VALUE_PATTERN = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The lease timings every layer validates with the same rules. */
export interface LeaseTimings {
  readonly ttlMs: number;
  readonly renewIntervalMs: number;
  readonly renewDeadlineMs: number;
  readonly stopTimeoutMs: number;
}

export const LEASE_DEFAULTS = {
  ttlMs: SUPERVISOR_INTS.ttlMs.default,
  renewIntervalMs: SUPERVISOR_INTS.renewIntervalMs.default,
  renewDeadlineMs: SUPERVISOR_INTS.renewDeadlineMs.default,
  pollMs: SUPERVISOR_INTS.pollMs.default,
  routerHoldMs: SUPERVISOR_INTS.routerHoldMs.default,
  stopTimeoutMs: SUPERVISOR_INTS.stopTimeoutMs.default,
  keyPrefix: SUPERVISOR_STRINGS.keyPrefix.default,
} as const;

/** A Redis key prefix for the lease: one per deployment sharing a Redis. */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
export const KEY_PREFIX_RULE =
  'letters, digits, ":", ".", "_", "-" (max 64), starting with a letter or digit';

/**
 * The fencing rules, with each layer's own names for the values (an environment variable, a component
 * arg, a stack key): renewInterval < renewDeadline < ttl, and renewDeadline + stopTimeout < ttl, so a
 * primary that lost Redis has stopped Faktory before its lease can expire for a standby.
 */
export function leaseTimingProblems(t: LeaseTimings, name: (key: keyof LeaseTimings) => string): string[] {
  const n = (key: keyof LeaseTimings) => `${name(key)} (${t[key]})`;
  if (!(t.renewIntervalMs < t.renewDeadlineMs && t.renewDeadlineMs < t.ttlMs)) {
    return [
      `lease timings must satisfy ${n("renewIntervalMs")} < ${n("renewDeadlineMs")} < ${n("ttlMs")}: the primary fences itself (stops Faktory) before its lease can expire`,
    ];
  }
  if (t.renewDeadlineMs + t.stopTimeoutMs >= t.ttlMs) {
    return [
      `${n("stopTimeoutMs")} is too long: ${n("renewDeadlineMs")} + it must be less than ${n("ttlMs")}, so Faktory is stopped before the lease can expire`,
    ];
  }
  return [];
}

/**
 * How long after the expiry a standby last read a lease its holder's Faktory may still run: a holder
 * can renew once more right after the read, but only before its own deadline. 0 when
 * 2 × renewDeadline + stopTimeout ≤ ttl, which lets a standby start as soon as a dead primary's lease
 * expires.
 */
export function leaseOverrunMs(t: LeaseTimings): number {
  return Math.max(0, 2 * t.renewDeadlineMs + t.stopTimeoutMs - t.ttlMs);
}

/** A probe that kills a frozen supervisor, with the container's kill grace. */
export interface LivenessTimings {
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds: number;
  readonly terminationGracePeriodSeconds: number;
}

/** Seconds until a frozen supervisor (and its Faktory) is gone: it must be below the lease ttl. */
export function livenessKillSeconds(l: LivenessTimings): number {
  return l.periodSeconds * l.failureThreshold + l.timeoutSeconds + l.terminationGracePeriodSeconds;
}

/** The literal part of a supervisor's environment for the given settings, as the component writes it. */
export function supervisorEnv(
  s: { readonly [K in SupervisorInt]: number } & { readonly keyPrefix: string; readonly configDir: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, spec] of Object.entries(SUPERVISOR_INTS)) env[spec.env] = String(s[key as SupervisorInt]);
  env[SUPERVISOR_STRINGS.keyPrefix.env] = s.keyPrefix;
  env[SUPERVISOR_STRINGS.configDir.env] = s.configDir;
  return env;
}

/**
 * What is wrong with a Redis URL the supervisor and Faktory would be given, or undefined. Never repeats
 * the URL, which may hold a password: the caller names the variable or arg.
 */
export function redisUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return "is not a URL: expected redis://host:port or rediss://host:port";
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    return `has scheme ${JSON.stringify(u.protocol)}: allowed redis: or rediss: (TLS)`;
  }
  if (u.hostname === "") return "has no host";
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) return `has database ${JSON.stringify(db)}, not a number: use /0../15`;
  return undefined;
}
