import { readFileSync } from "node:fs";
import { networkInterfaces, hostname } from "node:os";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import {
  KEY_PREFIX_PATTERN,
  KEY_PREFIX_RULE,
  LABEL_VALUE_PATTERN,
  leaseDatabaseProblem,
  POD_UID_PATTERN,
  redisUrlDatabase,
  leaseTimingProblems,
  redisUrlProblem,
  SUPERVISOR_INTS,
  SUPERVISOR_STRINGS,
  type SupervisorInt,
} from "../../components/contract/supervisor";
import type { RouterLimits } from "./router";
import { parseTlsConfig, TlsConfigError, TLS_VARS, type TlsConfig } from "./tls-config";

/** Everything the supervisor needs, parsed once from the environment and argv. */
export interface SupervisorConfig {
  readonly redisUrl: string;
  readonly id: string;
  readonly advertiseHost: string;
  readonly port: number;
  readonly webPort: number;
  readonly healthPort: number;
  readonly internalPort: number;
  readonly internalWebPort: number;
  /** Host the router and readiness checks use to reach the local Faktory. */
  readonly bindHost: string;
  readonly keyPrefix: string;
  /** The Redis database of the lease keys: never Faktory's own (its FLUSH empties that one). */
  readonly leaseDatabase: number;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly renewDeadlineMs: number;
  readonly pollMs: number;
  readonly routerHoldMs: number;
  readonly stopTimeoutMs: number;
  /** How often the primary reads Faktory's INFO for /metrics. */
  readonly metricsIntervalMs: number;
  readonly configDir: string;
  /** The pod template revision ("" when unknown); see ElectorTimings.revision. */
  readonly revision: string;
  /** The pod's UID ("" when unknown); see ElectorTimings.podUid. */
  readonly podUid: string;
  /** Password the router uses to re-handshake a held client connection with a new primary. */
  readonly faktoryPassword: string | undefined;
  /** Router limits set in the environment; the rest keep the router's defaults (router.ts). */
  readonly routerLimits: Partial<RouterLimits>;
  /** The routers' TLS (tls-config.ts); the certificate files are read at start and on change. */
  readonly tls: TlsConfig;
  readonly command: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type IntVar = SupervisorInt;
const INT_KEYS = Object.keys(SUPERVISOR_INTS) as SupervisorInt[];
const PORT_KEYS = INT_KEYS.filter((k) => SUPERVISOR_INTS[k].unit === "port");

/** Optional router limits: unset means the router's own default, so each default lives once. */
const LIMIT_VARS = {
  FAKTORY_HA_ROUTER_MAX_CONNECTIONS: { key: "maxConnections", min: 1, max: 1_000_000, unit: "connections" },
  FAKTORY_HA_ROUTER_MAX_LINE_BYTES: { key: "maxLineBytes", min: 1024, max: 512 * 2 ** 20, unit: "bytes" },
  FAKTORY_HA_ROUTER_MAX_HELD_BYTES: { key: "maxHeldBytes", min: 1024, max: 2 ** 30, unit: "bytes" },
  FAKTORY_HA_ROUTER_MAX_BUFFERED_BYTES: {
    key: "maxBufferedBytes",
    min: 2 ** 20,
    max: 2 ** 34,
    unit: "bytes",
  },
  FAKTORY_HA_HANDSHAKE_TIMEOUT_MS: { key: "handshakeTimeoutMs", min: 100, max: 60_000, unit: "milliseconds" },
} as const satisfies Record<string, { key: keyof RouterLimits; min: number; max: number; unit: string }>;

function readLimits(env: NodeJS.ProcessEnv): Partial<RouterLimits> {
  const out: Partial<Record<keyof RouterLimits, number>> = {};
  for (const [name, rule] of Object.entries(LIMIT_VARS)) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") continue;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= rule.min && n <= rule.max)) {
      throw new ConfigError(
        `${name}=${JSON.stringify(raw)} is out of range: allowed ${rule.min}..${rule.max} ${rule.unit}`,
      );
    }
    out[rule.key] = n;
  }
  return out;
}

/** Every FAKTORY_HA_* variable the supervisor reads; anything else with that prefix is a mistake. */
const KNOWN_VARS: readonly string[] = [
  ...Object.values(SUPERVISOR_INTS).map((v) => v.env),
  ...Object.values(SUPERVISOR_STRINGS).map((v) => v.env),
  ...Object.keys(LIMIT_VARS),
  ...TLS_VARS,
];

/**
 * A misspelt variable would otherwise be ignored silently and its default used — for a timing, that
 * is a fencing bug waiting to happen. Names the closest known variable.
 */
function rejectUnknownVars(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("FAKTORY_HA_") || KNOWN_VARS.includes(name)) continue;
    const near = closest(name, [...KNOWN_VARS]);
    const hint =
      distance(name, near) <= Math.max(3, Math.floor(near.length / 3))
        ? `did you mean ${near}?`
        : `known variables: ${[...KNOWN_VARS].sort().join(", ")}`;
    throw new ConfigError(`${name}=${JSON.stringify(env[name])} is not a faktory-ha variable: ${hint}`);
  }
}

const ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/);

function readInt(env: NodeJS.ProcessEnv, key: IntVar): number {
  const spec = SUPERVISOR_INTS[key];
  const raw = env[spec.env];
  if (raw === undefined || raw.trim() === "") return spec.default;
  const value = raw.trim();
  const unit =
    spec.unit === "port"
      ? "(a TCP port)"
      : spec.unit === "database"
        ? "(a Redis database index)"
        : "of milliseconds";
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(`${spec.env}=${JSON.stringify(raw)} is not a whole number ${unit}`);
  }
  const n = Number(value);
  if (n < spec.min || n > spec.max) {
    throw new ConfigError(
      spec.unit === "port"
        ? `${spec.env}=${value} is out of range: a TCP port is 1..65535`
        : `${spec.env}=${value} is out of range: allowed ${spec.min}..${spec.max} ${spec.unit === "database" ? "(a Redis database index)" : "milliseconds"}`,
    );
  }
  return n;
}

/** First non-internal IPv4 address: the pod IP in Kubernetes. */
export function defaultAdvertiseHost(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === "IPv4" && !a.internal) return a.address;
    }
  }
  return "127.0.0.1";
}

/** Replaces the password (and user) of a Redis URL, so it can be logged or shown on /status. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    if (u.username !== "" && u.username !== "default") u.username = "***";
    return u.toString();
  } catch {
    return "<unparseable url>";
  }
}

function parseRedisUrl(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === "") {
    throw new ConfigError("REDIS_URL is required: e.g. rediss://:password@my-redis:6379");
  }
  const problem = redisUrlProblem(raw);
  if (problem !== undefined) throw new ConfigError(`REDIS_URL=${JSON.stringify(redactUrl(raw))} ${problem}`);
  return raw.trim();
}

function readPassword(env: NodeJS.ProcessEnv, readFile: (p: string) => string): string | undefined {
  const raw = env.FAKTORY_PASSWORD;
  if (raw === undefined || raw === "") return undefined;
  // Faktory treats a value starting with "/" as a file holding the password (Docker/K8s secrets).
  if (raw.startsWith("/")) {
    try {
      return readFile(raw).trim();
    } catch {
      throw new ConfigError(`FAKTORY_PASSWORD points to ${raw}, which cannot be read`);
    }
  }
  return raw;
}

export interface ParseOptions {
  readonly hostname?: () => string;
  readonly advertiseHost?: () => string;
  readonly readFile?: (path: string) => string;
}

/**
 * Parses `faktory-ha-supervisor [--] <faktory command…>` plus the environment. Throws ConfigError whose
 * message names the variable, the value received and what is allowed.
 */
export function parseConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
  opts: ParseOptions = {},
): SupervisorConfig {
  const dash = argv.indexOf("--");
  const command = dash >= 0 ? argv.slice(dash + 1) : [...argv];
  if (command.length === 0) {
    throw new ConfigError(
      `no Faktory command: start as \`faktory-ha-supervisor -- faktory -b :${SUPERVISOR_INTS.internalPort.default} -w :${SUPERVISOR_INTS.internalWebPort.default}\``,
    );
  }

  rejectUnknownVars(env);
  const redisUrl = parseRedisUrl(env.REDIS_URL);

  const idRaw = env.FAKTORY_HA_ID?.trim() || (opts.hostname ?? hostname)();
  if (!ID.safeParse(idRaw).success) {
    throw new ConfigError(
      `FAKTORY_HA_ID=${JSON.stringify(idRaw)} is invalid: allowed letters, digits, ".", "_", "-" (max 253), starting with a letter or digit`,
    );
  }
  const keyPrefix = env.FAKTORY_HA_KEY_PREFIX?.trim() || SUPERVISOR_STRINGS.keyPrefix.default;
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new ConfigError(
      `FAKTORY_HA_KEY_PREFIX=${JSON.stringify(keyPrefix)} is invalid: allowed ${KEY_PREFIX_RULE}`,
    );
  }
  const advertiseHost =
    env.FAKTORY_HA_ADVERTISE_HOST?.trim() || (opts.advertiseHost ?? defaultAdvertiseHost)();
  if (/[\s/]/.test(advertiseHost)) {
    throw new ConfigError(
      `FAKTORY_HA_ADVERTISE_HOST=${JSON.stringify(advertiseHost)} is not a host name or IP`,
    );
  }

  const ints = Object.fromEntries(INT_KEYS.map((k) => [k, readInt(env, k)])) as Record<IntVar, number>;

  for (let i = 0; i < PORT_KEYS.length; i++) {
    for (let j = i + 1; j < PORT_KEYS.length; j++) {
      if (ints[PORT_KEYS[i]] === ints[PORT_KEYS[j]]) {
        const [a, b] = [SUPERVISOR_INTS[PORT_KEYS[i]].env, SUPERVISOR_INTS[PORT_KEYS[j]].env];
        throw new ConfigError(`${b}=${ints[PORT_KEYS[j]]} is the same port as ${a}: each port must differ`);
      }
    }
  }

  const revision = env.FAKTORY_HA_REVISION?.trim() ?? SUPERVISOR_STRINGS.revision.default;
  if (!LABEL_VALUE_PATTERN.test(revision)) {
    throw new ConfigError(
      `FAKTORY_HA_REVISION=${JSON.stringify(revision)} is invalid: allowed a Kubernetes label value (up to 63 letters, digits, "-", "_", ".")`,
    );
  }

  const podUidRaw = env.FAKTORY_HA_POD_UID?.trim() ?? SUPERVISOR_STRINGS.podUid.default;
  const podUid = podUidRaw.toLowerCase();
  if (podUid !== "" && !POD_UID_PATTERN.test(podUid)) {
    throw new ConfigError(
      `FAKTORY_HA_POD_UID=${JSON.stringify(podUidRaw)} is invalid: allowed the pod's metadata.uid (a UUID such as 3f0e4c52-9d1a-4f3e-8c7b-2a6d5e9f1b04), or unset`,
    );
  }

  const dbProblem = leaseDatabaseProblem(ints.database, redisUrlDatabase(redisUrl));
  if (dbProblem !== undefined) {
    throw new ConfigError(`${SUPERVISOR_INTS.database.env}=${ints.database} ${dbProblem}`);
  }

  let tls: TlsConfig;
  try {
    tls = parseTlsConfig(env, ints);
  } catch (e) {
    if (e instanceof TlsConfigError) throw new ConfigError(e.message);
    throw e;
  }

  const [timing] = leaseTimingProblems(ints, (key) => SUPERVISOR_INTS[key].env);
  if (timing !== undefined) throw new ConfigError(timing);

  return {
    redisUrl,
    id: idRaw,
    advertiseHost,
    port: ints.port,
    webPort: ints.webPort,
    healthPort: ints.healthPort,
    internalPort: ints.internalPort,
    internalWebPort: ints.internalWebPort,
    bindHost: env.FAKTORY_HA_BIND_HOST?.trim() || SUPERVISOR_STRINGS.bindHost.default,
    keyPrefix,
    leaseDatabase: ints.database,
    leaseTtlMs: ints.ttlMs,
    renewIntervalMs: ints.renewIntervalMs,
    renewDeadlineMs: ints.renewDeadlineMs,
    pollMs: ints.pollMs,
    routerHoldMs: ints.routerHoldMs,
    stopTimeoutMs: ints.stopTimeoutMs,
    metricsIntervalMs: ints.metricsIntervalMs,
    configDir: env.FAKTORY_HA_CONFIG_DIR?.trim() || SUPERVISOR_STRINGS.configDir.default,
    revision,
    podUid,
    faktoryPassword: readPassword(env, opts.readFile ?? ((p) => readFileSync(p, "utf8"))),
    routerLimits: readLimits(env),
    tls,
    command,
  };
}
