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
    // 1 s: a frozen supervisor's lease expires ttl − this after the freeze, and the liveness probe's kill
    // (8 s by default, measured 8.1–8.7 s on a real kubelet) must land before, with the fence margin.
    default: 1_000,
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
  // The lease lives in a Redis database of its own: Faktory's FLUSH (the web UI's "reset") is a FLUSHDB of
  // Faktory's database and would take the lease with it, costing a failover with the one-ttl fallback.
  database: { env: "FAKTORY_HA_LEASE_DB", default: 1, min: 0, max: 15, unit: "database" },
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
  /**
   * The pod's UID (metadata.uid), written into the lease: a container restarted inside the same pod finds
   * its previous container's term and knows that Faktory died with it. "" (unknown): no such shortcut.
   */
  podUid: { env: "FAKTORY_HA_POD_UID", default: "" },
} as const;

/**
 * Encryption in transit (the routers' TLS). `off`: the plain ports only, as without these settings.
 * `optional`: TLS ports beside the plain ones, for a migration. `required`: the plain client and web ports
 * are closed (a TLS port may then reuse their numbers). With TLS on, every supervisor also serves a peer
 * TLS port in front of its own Faktory, which the other pods' routers dial instead of its internal ports.
 */
export const TLS_MODES = ["off", "optional", "required"] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const SUPERVISOR_TLS = {
  mode: { env: "FAKTORY_HA_TLS_MODE", default: "off" as TlsMode },
  /** A mounted Kubernetes TLS Secret: TLS_FILES in it, never the key in the environment. */
  dir: { env: "FAKTORY_HA_TLS_DIR", default: "/etc/faktory-ha/tls" },
  port: { env: "FAKTORY_HA_TLS_PORT", default: 7429, min: 1, max: 65535, unit: "port" },
  webPort: { env: "FAKTORY_HA_TLS_WEB_PORT", default: 7430, min: 1, max: 65535, unit: "port" },
  peerPort: { env: "FAKTORY_HA_PEER_TLS_PORT", default: 17429, min: 1, max: 65535, unit: "port" },
} as const;

/** The files of a Kubernetes TLS Secret (type kubernetes.io/tls; cert-manager adds ca.crt). */
export const TLS_FILES = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/** A Kubernetes UID (metadata.uid): an RFC 4122 UUID. */
export const POD_UID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
  database: SUPERVISOR_INTS.database.default,
  keyPrefix: SUPERVISOR_STRINGS.keyPrefix.default,
} as const;

/** A Redis key prefix for the lease: one per deployment sharing a Redis. */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
export const KEY_PREFIX_RULE =
  'letters, digits, ":", ".", "_", "-" (max 64), starting with a letter or digit';

/**
 * What every bound below keeps between "the old Faktory is surely stopped" and "a new one may start":
 * timers fire late on a busy node, a SIGKILL and the kubelet's probes take a moment to land, and two
 * hosts' clocks do not run at exactly the same rate. The elector adds it to its own start bounds too.
 */
export const FENCE_MARGIN_MS = 500;

/** A probe that kills a frozen supervisor, with the container's kill grace. */
export interface LivenessTimings {
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds: number;
  readonly terminationGracePeriodSeconds: number;
}

/** Seconds until a frozen supervisor (and its Faktory) is gone; leaseTimingProblems bounds it. */
export function livenessKillSeconds(l: LivenessTimings): number {
  return l.periodSeconds * l.failureThreshold + l.timeoutSeconds + l.terminationGracePeriodSeconds;
}

/**
 * The open-source server's startup probe: its embedded Redis loads the whole RDB before Faktory opens its
 * port (users report 30 min "waiting for Redis to load", contribsys/faktory issue 521), and without a
 * startup probe the liveness probe kills it long before, over and over.
 */
export interface StartupTimings {
  readonly periodSeconds: number;
  readonly failureThreshold: number;
}

/** 10 s × 180: half an hour for the first Redis load. */
export const STARTUP_DEFAULTS = {
  periodSeconds: 10,
  failureThreshold: 180,
} as const satisfies StartupTimings;

/**
 * A startup window shorter than the liveness probe's kill time gives a slow start less time than no
 * startup probe at all: it must be at least that long.
 */
export function startupTimingProblems(
  startup: StartupTimings,
  liveness: LivenessTimings,
  name: (key: keyof StartupTimings) => string,
): string[] {
  const window = startup.periodSeconds * startup.failureThreshold;
  const kill = livenessKillSeconds(liveness);
  if (window >= kill) return [];
  return [
    `${name("periodSeconds")} (${startup.periodSeconds}) × ${name("failureThreshold")} (${startup.failureThreshold}) = ${window} s must be at least the liveness probe's kill time (${kill} s), or a slow first Redis load gets less time than without a startup probe`,
  ];
}

/** The quickest kill a probe can be given (1 s period, 1 failure, 1 s timeout, 1 s grace), in ms. */
const MIN_KILL_MS =
  livenessKillSeconds({
    periodSeconds: 1,
    failureThreshold: 1,
    timeoutSeconds: 1,
    terminationGracePeriodSeconds: 1,
  }) * 1000;

/** "a ≤ 1, b ≤ 2 or c ≥ 3": the single changes that would meet a bound, those that are possible. */
function remedies(options: readonly (readonly [change: string, possible: boolean])[]): string {
  const changes = options.filter(([, possible]) => possible).map(([change]) => change);
  return changes.length > 1 ? `${changes.slice(0, -1).join(", ")} or ${changes.at(-1)}` : changes.join("");
}

/**
 * The fencing rules, with each layer's own names for the values (an environment variable, a component
 * arg, a stack key):
 * - renewInterval < renewDeadline < ttl;
 * - renewDeadline + stopTimeout + FENCE_MARGIN_MS ≤ ttl: a primary cut off from Redis has stopped
 *   Faktory, with the margin to spare, before its lease can expire for a standby;
 * - with a liveness probe (the Kubernetes component): kill time + renewInterval + FENCE_MARGIN_MS ≤ ttl.
 *   A frozen supervisor cannot fence itself, and its last renew may have run a renewInterval before the
 *   freeze, so the lease expires ttl − renewInterval after it: the probe must have killed Faktory by then.
 *   (A freeze that follows failed renews has less time still: that is a pause longer than
 *   ttl − renewDeadline − stopTimeout, which no lease guards against.)
 * The supervisor knows no probe and checks the first two.
 */
export function leaseTimingProblems(
  t: LeaseTimings,
  name: (key: keyof LeaseTimings) => string,
  liveness?: { readonly timings: LivenessTimings; readonly name: (key: keyof LivenessTimings) => string },
): string[] {
  const n = (key: keyof LeaseTimings) => `${name(key)} (${t[key]})`;
  const margin = `the fence margin (${FENCE_MARGIN_MS} ms)`;
  if (!(t.renewIntervalMs < t.renewDeadlineMs && t.renewDeadlineMs < t.ttlMs)) {
    return [
      `lease timings must satisfy ${n("renewIntervalMs")} < ${n("renewDeadlineMs")} < ${n("ttlMs")}: the primary fences itself (stops Faktory) before its lease can expire`,
    ];
  }
  const problems: string[] = [];
  const fencedAt = t.renewDeadlineMs + t.stopTimeoutMs + FENCE_MARGIN_MS;
  if (fencedAt > t.ttlMs) {
    const maxStop = t.ttlMs - t.renewDeadlineMs - FENCE_MARGIN_MS;
    const maxDeadline = t.ttlMs - t.stopTimeoutMs - FENCE_MARGIN_MS;
    problems.push(
      `lease timings must satisfy ${n("renewDeadlineMs")} + ${n("stopTimeoutMs")} + ${margin} ≤ ${n("ttlMs")}, so Faktory has stopped ${FENCE_MARGIN_MS} ms before the lease can expire; got ${fencedAt} ms; allowed: ` +
        remedies([
          [`${name("stopTimeoutMs")} ≤ ${maxStop}`, maxStop >= SUPERVISOR_INTS.stopTimeoutMs.min],
          [`${name("renewDeadlineMs")} ≤ ${maxDeadline}`, maxDeadline > t.renewIntervalMs],
          [`${name("ttlMs")} ≥ ${fencedAt}`, true],
        ]),
    );
  }
  if (liveness !== undefined) {
    const l = liveness.timings;
    const ln = (key: keyof LivenessTimings) => `${liveness.name(key)} (${l[key]})`;
    const killMs = livenessKillSeconds(l) * 1000;
    const killedAt = killMs + t.renewIntervalMs + FENCE_MARGIN_MS;
    if (killedAt > t.ttlMs) {
      const maxInterval = t.ttlMs - killMs - FENCE_MARGIN_MS;
      const maxKill = t.ttlMs - t.renewIntervalMs - FENCE_MARGIN_MS;
      problems.push(
        `liveness is too slow for the lease: ${ln("periodSeconds")} × ${ln("failureThreshold")} + ${ln("timeoutSeconds")} + ${ln("terminationGracePeriodSeconds")} = ${killMs / 1000} s to kill a frozen supervisor; with ${n("renewIntervalMs")} and ${margin} that is ${killedAt} ms, more than ${n("ttlMs")}: a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead ${FENCE_MARGIN_MS} ms before; allowed: ` +
          remedies([
            [
              `${name("renewIntervalMs")} ≤ ${maxInterval}`,
              maxInterval >= SUPERVISOR_INTS.renewIntervalMs.min,
            ],
            [`a kill time ≤ ${maxKill} ms`, maxKill >= MIN_KILL_MS],
            [`${name("ttlMs")} ≥ ${killedAt}`, true],
          ]),
      );
    }
  }
  return problems;
}

/**
 * How long after the expiry a standby last read a lease its holder's Faktory may still run: a holder
 * can renew once more right after the read, but only before its own deadline. 0 when
 * 2 × renewDeadline + stopTimeout ≤ ttl. This is the bound itself: whoever waits on it adds
 * FENCE_MARGIN_MS (the elector does), so a dead primary's successor starts FENCE_MARGIN_MS after its
 * lease expired.
 */
export function leaseOverrunMs(t: LeaseTimings): number {
  return Math.max(0, 2 * t.renewDeadlineMs + t.stopTimeoutMs - t.ttlMs);
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

/** TLS settings as the component writes them into a pod's environment (the Secret is a mounted volume). */
export interface SupervisorTlsSettings {
  readonly mode: Exclude<TlsMode, "off">;
  readonly dir: string;
  readonly port: number;
  readonly webPort: number;
  readonly peerPort: number;
}

/** The TLS part of a supervisor's environment: nothing at all with TLS off (the supervisor's default). */
export function supervisorTlsEnv(
  t: SupervisorTlsSettings | { readonly mode: "off" },
): Record<string, string> {
  if (t.mode === "off") return {};
  return {
    [SUPERVISOR_TLS.mode.env]: t.mode,
    [SUPERVISOR_TLS.dir.env]: t.dir,
    [SUPERVISOR_TLS.port.env]: String(t.port),
    [SUPERVISOR_TLS.webPort.env]: String(t.webPort),
    [SUPERVISOR_TLS.peerPort.env]: String(t.peerPort),
  };
}

/** The database index a redis:// URL selects (its path), 0 when it names none. */
export function redisUrlDatabase(url: string): number {
  const db = new URL(url.trim()).pathname.replace(/^\//, "");
  return db === "" ? 0 : Number(db);
}

/**
 * Why the lease may not use `database` while Faktory uses `faktoryDatabase` (its Redis URL's, see
 * redisUrlDatabase), or undefined: Faktory's FLUSH empties its own database, lease included.
 */
export function leaseDatabaseProblem(database: number, faktoryDatabase: number): string | undefined {
  return database === faktoryDatabase
    ? `is Faktory's own Redis database (${faktoryDatabase}, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed ${SUPERVISOR_INTS.database.min}..${SUPERVISOR_INTS.database.max} except ${faktoryDatabase}`
    : undefined;
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
