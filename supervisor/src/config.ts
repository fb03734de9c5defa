import { readFileSync } from "node:fs";
import { networkInterfaces, hostname } from "node:os";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import type { RouterLimits } from "./router";

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
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly renewDeadlineMs: number;
  readonly pollMs: number;
  readonly routerHoldMs: number;
  readonly stopTimeoutMs: number;
  /** How often the primary reads Faktory's INFO for /metrics. */
  readonly metricsIntervalMs: number;
  readonly configDir: string;
  /** Password the router uses to re-handshake a held client connection with a new primary. */
  readonly faktoryPassword: string | undefined;
  /** Router limits set in the environment; the rest keep the router's defaults (router.ts). */
  readonly routerLimits: Partial<RouterLimits>;
  readonly command: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULTS = {
  FAKTORY_HA_PORT: 7419,
  FAKTORY_HA_WEB_PORT: 7420,
  FAKTORY_HA_HEALTH_PORT: 7421,
  FAKTORY_HA_INTERNAL_PORT: 17419,
  FAKTORY_HA_INTERNAL_WEB_PORT: 17420,
  FAKTORY_HA_LEASE_TTL_MS: 10_000,
  FAKTORY_HA_RENEW_INTERVAL_MS: 1_500,
  FAKTORY_HA_RENEW_DEADLINE_MS: 4_000,
  FAKTORY_HA_POLL_MS: 500,
  FAKTORY_HA_ROUTER_HOLD_MS: 15_000,
  FAKTORY_HA_STOP_TIMEOUT_MS: 2_000,
  FAKTORY_HA_METRICS_INTERVAL_MS: 5_000,
} as const;

type IntVar = keyof typeof DEFAULTS;

const PORT_VARS: readonly IntVar[] = [
  "FAKTORY_HA_PORT",
  "FAKTORY_HA_WEB_PORT",
  "FAKTORY_HA_HEALTH_PORT",
  "FAKTORY_HA_INTERNAL_PORT",
  "FAKTORY_HA_INTERNAL_WEB_PORT",
];

// Ports may be 0 only in tests that ask the OS for a free one; timings get a floor so a typo like
// "10" (meant as seconds) is caught instead of making the lease flap.
const MIN_TIMING_MS: Partial<Record<IntVar, number>> = {
  FAKTORY_HA_LEASE_TTL_MS: 1_000,
  FAKTORY_HA_RENEW_INTERVAL_MS: 100,
  FAKTORY_HA_RENEW_DEADLINE_MS: 200,
  FAKTORY_HA_POLL_MS: 50,
  FAKTORY_HA_ROUTER_HOLD_MS: 0,
  FAKTORY_HA_STOP_TIMEOUT_MS: 100,
  FAKTORY_HA_METRICS_INTERVAL_MS: 250,
};
const MAX_TIMING_MS: Partial<Record<IntVar, number>> = {
  // Faktory's figures older than a few scrape intervals are no use to an alert.
  FAKTORY_HA_METRICS_INTERVAL_MS: 300_000,
};

/** Every FAKTORY_HA_* variable the supervisor reads; anything else with that prefix is a mistake. */
const STRING_VARS = [
  "FAKTORY_HA_ID",
  "FAKTORY_HA_ADVERTISE_HOST",
  "FAKTORY_HA_BIND_HOST",
  "FAKTORY_HA_KEY_PREFIX",
  "FAKTORY_HA_CONFIG_DIR",
] as const;
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

const KNOWN_VARS: readonly string[] = [...Object.keys(DEFAULTS), ...STRING_VARS, ...Object.keys(LIMIT_VARS)];

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

const KEY_PREFIX = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/);
const ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/);

function readInt(env: NodeJS.ProcessEnv, name: IntVar): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return DEFAULTS[name];
  const value = raw.trim();
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number of ${unitOf(name)}`);
  }
  const n = Number(value);
  if (PORT_VARS.includes(name)) {
    if (n < 1 || n > 65535) {
      throw new ConfigError(`${name}=${value} is out of range: a TCP port is 1..65535`);
    }
    return n;
  }
  const min = MIN_TIMING_MS[name] ?? 0;
  const max = MAX_TIMING_MS[name] ?? 3_600_000;
  if (n < min || n > max) {
    throw new ConfigError(`${name}=${value} is out of range: allowed ${min}..${max} milliseconds`);
  }
  return n;
}

function unitOf(name: IntVar): string {
  return PORT_VARS.includes(name) ? "(a TCP port)" : "milliseconds";
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
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConfigError(
      `REDIS_URL=${JSON.stringify(redactUrl(raw))} is not a URL: expected redis://host:port or rediss://host:port`,
    );
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new ConfigError(
      `REDIS_URL has scheme ${JSON.stringify(u.protocol)}: allowed redis: or rediss: (TLS)`,
    );
  }
  if (u.hostname === "") {
    throw new ConfigError(`REDIS_URL=${JSON.stringify(redactUrl(raw))} has no host`);
  }
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new ConfigError(`REDIS_URL database ${JSON.stringify(db)} is not a number: use /0../15`);
  }
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
      "no Faktory command: start as `faktory-ha-supervisor -- faktory -b :17419 -w :17420`",
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
  const keyPrefix = env.FAKTORY_HA_KEY_PREFIX?.trim() || "faktory-ha";
  if (!KEY_PREFIX.safeParse(keyPrefix).success) {
    throw new ConfigError(
      `FAKTORY_HA_KEY_PREFIX=${JSON.stringify(keyPrefix)} is invalid: allowed letters, digits, ":", ".", "_", "-" (max 64)`,
    );
  }
  const advertiseHost =
    env.FAKTORY_HA_ADVERTISE_HOST?.trim() || (opts.advertiseHost ?? defaultAdvertiseHost)();
  if (/[\s/]/.test(advertiseHost)) {
    throw new ConfigError(
      `FAKTORY_HA_ADVERTISE_HOST=${JSON.stringify(advertiseHost)} is not a host name or IP`,
    );
  }

  const ints = Object.fromEntries(
    (Object.keys(DEFAULTS) as IntVar[]).map((k) => [k, readInt(env, k)]),
  ) as Record<IntVar, number>;

  const publicPorts: [IntVar, number][] = PORT_VARS.map((k) => [k, ints[k]]);
  for (let i = 0; i < publicPorts.length; i++) {
    for (let j = i + 1; j < publicPorts.length; j++) {
      if (publicPorts[i][1] === publicPorts[j][1]) {
        throw new ConfigError(
          `${publicPorts[j][0]}=${publicPorts[j][1]} is the same port as ${publicPorts[i][0]}: each port must differ`,
        );
      }
    }
  }

  const ttl = ints.FAKTORY_HA_LEASE_TTL_MS;
  const renew = ints.FAKTORY_HA_RENEW_INTERVAL_MS;
  const deadline = ints.FAKTORY_HA_RENEW_DEADLINE_MS;
  const stop = ints.FAKTORY_HA_STOP_TIMEOUT_MS;
  if (renew >= deadline) {
    throw new ConfigError(
      `FAKTORY_HA_RENEW_INTERVAL_MS=${renew} must be less than FAKTORY_HA_RENEW_DEADLINE_MS=${deadline} (renewInterval < renewDeadline < ttl)`,
    );
  }
  if (deadline >= ttl) {
    throw new ConfigError(
      `FAKTORY_HA_RENEW_DEADLINE_MS=${deadline} must be less than FAKTORY_HA_LEASE_TTL_MS=${ttl} (renewInterval < renewDeadline < ttl)`,
    );
  }
  // Fencing: a primary that lost contact must have stopped Faktory before a standby can acquire.
  if (deadline + stop >= ttl) {
    throw new ConfigError(
      `FAKTORY_HA_STOP_TIMEOUT_MS=${stop} is too long: FAKTORY_HA_RENEW_DEADLINE_MS (${deadline}) + stop timeout must be less than FAKTORY_HA_LEASE_TTL_MS (${ttl}), so Faktory is stopped before the lease can expire`,
    );
  }

  return {
    redisUrl,
    id: idRaw,
    advertiseHost,
    port: ints.FAKTORY_HA_PORT,
    webPort: ints.FAKTORY_HA_WEB_PORT,
    healthPort: ints.FAKTORY_HA_HEALTH_PORT,
    internalPort: ints.FAKTORY_HA_INTERNAL_PORT,
    internalWebPort: ints.FAKTORY_HA_INTERNAL_WEB_PORT,
    bindHost: env.FAKTORY_HA_BIND_HOST?.trim() || "0.0.0.0",
    keyPrefix,
    leaseTtlMs: ttl,
    renewIntervalMs: renew,
    renewDeadlineMs: deadline,
    pollMs: ints.FAKTORY_HA_POLL_MS,
    routerHoldMs: ints.FAKTORY_HA_ROUTER_HOLD_MS,
    stopTimeoutMs: stop,
    metricsIntervalMs: ints.FAKTORY_HA_METRICS_INTERVAL_MS,
    configDir: env.FAKTORY_HA_CONFIG_DIR?.trim() || "/etc/faktory/conf.d",
    faktoryPassword: readPassword(env, opts.readFile ?? ((p) => readFileSync(p, "utf8"))),
    routerLimits: readLimits(env),
    command,
  };
}
