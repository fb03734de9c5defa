import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, redactUrl } from "../../../supervisor/src/config";

const base = { REDIS_URL: "redis://redis:6379" };
const cmd = ["--", "faktory", "-b", ":17419"];
const opts = { hostname: () => "faktory-0", advertiseHost: () => "10.0.0.7", readFile: () => "from-file\n" };

function parse(env: Record<string, string>, argv: string[] = cmd) {
  return parseConfig({ ...base, ...env }, argv, opts);
}

function errorOf(env: Record<string, string | undefined>, argv: string[] = cmd): string {
  try {
    parseConfig(env as NodeJS.ProcessEnv, argv, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const c = parse({});
    expect(c).toEqual({
      redisUrl: "redis://redis:6379",
      id: "faktory-0",
      advertiseHost: "10.0.0.7",
      port: 7419,
      webPort: 7420,
      healthPort: 7421,
      internalPort: 17419,
      internalWebPort: 17420,
      bindHost: "0.0.0.0",
      keyPrefix: "faktory-ha",
      leaseDatabase: 1,
      leaseTtlMs: 10_000,
      renewIntervalMs: 1_000,
      renewDeadlineMs: 4_000,
      pollMs: 500,
      routerHoldMs: 15_000,
      stopTimeoutMs: 2_000,
      metricsIntervalMs: 5_000,
      configDir: "/etc/faktory/conf.d",
      revision: "",
      podUid: "",
      faktoryPassword: undefined,
      routerLimits: {},
      tls: { mode: "off" },
      command: ["faktory", "-b", ":17419"],
    });
  });

  it("reads every variable", () => {
    const c = parse({
      REDIS_URL: "rediss://:pw@cache.example:6380/2",
      FAKTORY_HA_ID: "pod-1",
      FAKTORY_HA_ADVERTISE_HOST: "10.1.2.3",
      FAKTORY_HA_PORT: "1",
      FAKTORY_HA_WEB_PORT: "2",
      FAKTORY_HA_HEALTH_PORT: "3",
      FAKTORY_HA_INTERNAL_PORT: "4",
      FAKTORY_HA_INTERNAL_WEB_PORT: "5",
      FAKTORY_HA_KEY_PREFIX: "prod:faktory",
      FAKTORY_HA_LEASE_DB: "5",
      FAKTORY_HA_LEASE_TTL_MS: "3000",
      FAKTORY_HA_RENEW_INTERVAL_MS: "500",
      FAKTORY_HA_RENEW_DEADLINE_MS: "1500",
      FAKTORY_HA_POLL_MS: "100",
      FAKTORY_HA_ROUTER_HOLD_MS: "0",
      FAKTORY_HA_STOP_TIMEOUT_MS: "1000",
      FAKTORY_HA_METRICS_INTERVAL_MS: "1000",
      FAKTORY_HA_CONFIG_DIR: "/conf",
      FAKTORY_HA_REVISION: "faktory-7d9c5b6f4",
      FAKTORY_HA_POD_UID: "3F0E4C52-9D1A-4F3E-8C7B-2A6D5E9F1B04",
      FAKTORY_PASSWORD: "/run/secrets/pw",
    });
    expect(c).toMatchObject({
      redisUrl: "rediss://:pw@cache.example:6380/2",
      id: "pod-1",
      advertiseHost: "10.1.2.3",
      port: 1,
      webPort: 2,
      healthPort: 3,
      internalPort: 4,
      internalWebPort: 5,
      keyPrefix: "prod:faktory",
      leaseDatabase: 5,
      leaseTtlMs: 3000,
      renewIntervalMs: 500,
      renewDeadlineMs: 1500,
      pollMs: 100,
      routerHoldMs: 0,
      stopTimeoutMs: 1000,
      metricsIntervalMs: 1000,
      configDir: "/conf",
      revision: "faktory-7d9c5b6f4",
      podUid: "3f0e4c52-9d1a-4f3e-8c7b-2a6d5e9f1b04",
      faktoryPassword: "from-file",
    });
  });

  it("takes the command after --, or the whole argv without it", () => {
    expect(parse({}, ["faktory", "-e", "production"]).command).toEqual(["faktory", "-e", "production"]);
    expect(parse({}, ["--", "faktory", "--", "x"]).command).toEqual(["faktory", "--", "x"]);
  });

  it("keeps a plain FAKTORY_PASSWORD as is", () => {
    expect(parse({ FAKTORY_PASSWORD: "pw" }).faktoryPassword).toBe("pw");
  });

  const cases: [string, Record<string, string | undefined>, string[] | undefined, string][] = [
    [
      "missing command",
      base,
      ["--"],
      "no Faktory command: start as `faktory-ha-supervisor -- faktory -b :17419 -w :17420`",
    ],
    ["missing REDIS_URL", {}, undefined, "REDIS_URL is required: e.g. rediss://:password@my-redis:6379"],
    [
      "unparseable REDIS_URL",
      { REDIS_URL: "not a url" },
      undefined,
      'REDIS_URL="<unparseable url>" is not a URL',
    ],
    [
      "wrong scheme",
      { REDIS_URL: "http://x:1" },
      undefined,
      'REDIS_URL="http://x:1/" has scheme "http:": allowed redis: or rediss: (TLS)',
    ],
    [
      "bad database",
      { REDIS_URL: "redis://x:1/abc" },
      undefined,
      'REDIS_URL="redis://x:1/abc" has database "abc", not a number: use /0../15',
    ],
    [
      "bad id",
      { ...base, FAKTORY_HA_ID: "-bad id" },
      undefined,
      'FAKTORY_HA_ID="-bad id" is invalid: allowed letters, digits',
    ],
    [
      "bad prefix",
      { ...base, FAKTORY_HA_KEY_PREFIX: "a b" },
      undefined,
      'FAKTORY_HA_KEY_PREFIX="a b" is invalid',
    ],
    [
      "bad revision",
      { ...base, FAKTORY_HA_REVISION: "rev 2" },
      undefined,
      'FAKTORY_HA_REVISION="rev 2" is invalid: allowed a Kubernetes label value',
    ],
    [
      "bad pod UID",
      { ...base, FAKTORY_HA_POD_UID: "faktory-0" },
      undefined,
      'FAKTORY_HA_POD_UID="faktory-0" is invalid: allowed the pod\'s metadata.uid (a UUID such as 3f0e4c52-9d1a-4f3e-8c7b-2a6d5e9f1b04), or unset',
    ],
    [
      "bad advertise host",
      { ...base, FAKTORY_HA_ADVERTISE_HOST: "a/b" },
      undefined,
      'FAKTORY_HA_ADVERTISE_HOST="a/b" is not a host name or IP',
    ],
    [
      "non-numeric port",
      { ...base, FAKTORY_HA_PORT: "http" },
      undefined,
      'FAKTORY_HA_PORT="http" is not a whole number (a TCP port)',
    ],
    [
      "port out of range",
      { ...base, FAKTORY_HA_WEB_PORT: "70000" },
      undefined,
      "FAKTORY_HA_WEB_PORT=70000 is out of range: a TCP port is 1..65535",
    ],
    [
      "port zero",
      { ...base, FAKTORY_HA_HEALTH_PORT: "0" },
      undefined,
      "FAKTORY_HA_HEALTH_PORT=0 is out of range",
    ],
    [
      "duplicate port",
      { ...base, FAKTORY_HA_INTERNAL_PORT: "7419" },
      undefined,
      "FAKTORY_HA_INTERNAL_PORT=7419 is the same port as FAKTORY_HA_PORT: each port must differ",
    ],
    [
      "fractional timing",
      { ...base, FAKTORY_HA_POLL_MS: "1.5" },
      undefined,
      'FAKTORY_HA_POLL_MS="1.5" is not a whole number of milliseconds',
    ],
    [
      "ttl in seconds by mistake",
      { ...base, FAKTORY_HA_LEASE_TTL_MS: "10" },
      undefined,
      "FAKTORY_HA_LEASE_TTL_MS=10 is out of range: allowed 1000..3600000 milliseconds",
    ],
    [
      "hold too long",
      { ...base, FAKTORY_HA_ROUTER_HOLD_MS: "3600001" },
      undefined,
      "FAKTORY_HA_ROUTER_HOLD_MS=3600001 is out of range: allowed 0..3600000 milliseconds",
    ],
    [
      "metrics interval too short",
      { ...base, FAKTORY_HA_METRICS_INTERVAL_MS: "100" },
      undefined,
      "FAKTORY_HA_METRICS_INTERVAL_MS=100 is out of range: allowed 250..300000 milliseconds",
    ],
    [
      "metrics interval too long",
      { ...base, FAKTORY_HA_METRICS_INTERVAL_MS: "300001" },
      undefined,
      "FAKTORY_HA_METRICS_INTERVAL_MS=300001 is out of range: allowed 250..300000 milliseconds",
    ],
    [
      "metrics interval in seconds",
      { ...base, FAKTORY_HA_METRICS_INTERVAL_MS: "5s" },
      undefined,
      'FAKTORY_HA_METRICS_INTERVAL_MS="5s" is not a whole number of milliseconds',
    ],
    [
      "metrics interval misspelt",
      { ...base, FAKTORY_HA_METRICS_INTERVAL: "5000" },
      undefined,
      'FAKTORY_HA_METRICS_INTERVAL="5000" is not a faktory-ha variable: did you mean FAKTORY_HA_METRICS_INTERVAL_MS?',
    ],
    [
      "renew interval not below deadline",
      { ...base, FAKTORY_HA_RENEW_INTERVAL_MS: "4000" },
      undefined,
      "lease timings must satisfy FAKTORY_HA_RENEW_INTERVAL_MS (4000) < FAKTORY_HA_RENEW_DEADLINE_MS (4000) < FAKTORY_HA_LEASE_TTL_MS (10000): the primary fences itself (stops Faktory) before its lease can expire",
    ],
    [
      "deadline not below ttl",
      { ...base, FAKTORY_HA_RENEW_DEADLINE_MS: "10000" },
      undefined,
      "lease timings must satisfy FAKTORY_HA_RENEW_INTERVAL_MS (1000) < FAKTORY_HA_RENEW_DEADLINE_MS (10000) < FAKTORY_HA_LEASE_TTL_MS (10000): the primary fences itself (stops Faktory) before its lease can expire",
    ],
    [
      "stop timeout outlives the lease",
      { ...base, FAKTORY_HA_STOP_TIMEOUT_MS: "6000" },
      undefined,
      "lease timings must satisfy FAKTORY_HA_RENEW_DEADLINE_MS (4000) + FAKTORY_HA_STOP_TIMEOUT_MS (6000) + the fence margin (500 ms) ≤ FAKTORY_HA_LEASE_TTL_MS (10000), so Faktory has stopped 500 ms before the lease can expire; got 10500 ms; allowed: FAKTORY_HA_STOP_TIMEOUT_MS ≤ 5500, FAKTORY_HA_RENEW_DEADLINE_MS ≤ 3500 or FAKTORY_HA_LEASE_TTL_MS ≥ 10500",
    ],
    [
      "stop timeout leaves no fence margin",
      { ...base, FAKTORY_HA_STOP_TIMEOUT_MS: "5600" },
      undefined,
      "lease timings must satisfy FAKTORY_HA_RENEW_DEADLINE_MS (4000) + FAKTORY_HA_STOP_TIMEOUT_MS (5600) + the fence margin (500 ms) ≤ FAKTORY_HA_LEASE_TTL_MS (10000), so Faktory has stopped 500 ms before the lease can expire; got 10100 ms; allowed: FAKTORY_HA_STOP_TIMEOUT_MS ≤ 5500, FAKTORY_HA_RENEW_DEADLINE_MS ≤ 3900 or FAKTORY_HA_LEASE_TTL_MS ≥ 10100",
    ],
    [
      "renew deadline leaves no fence margin",
      { ...base, FAKTORY_HA_RENEW_DEADLINE_MS: "7600" },
      undefined,
      "lease timings must satisfy FAKTORY_HA_RENEW_DEADLINE_MS (7600) + FAKTORY_HA_STOP_TIMEOUT_MS (2000) + the fence margin (500 ms) ≤ FAKTORY_HA_LEASE_TTL_MS (10000), so Faktory has stopped 500 ms before the lease can expire; got 10100 ms; allowed: FAKTORY_HA_STOP_TIMEOUT_MS ≤ 1900, FAKTORY_HA_RENEW_DEADLINE_MS ≤ 7500 or FAKTORY_HA_LEASE_TTL_MS ≥ 10100",
    ],
  ];
  it.each(cases)("rejects %s with a message naming the variable", (_name, env, argv, message) => {
    expect(errorOf(env, argv ?? cmd)).toContain(message);
  });

  it("accepts timings that meet the fence margin exactly (deadline + stop + 500 ms = ttl)", () => {
    expect(
      parse({
        FAKTORY_HA_LEASE_TTL_MS: "10000",
        FAKTORY_HA_RENEW_DEADLINE_MS: "4000",
        FAKTORY_HA_STOP_TIMEOUT_MS: "5500",
      }),
    ).toMatchObject({ leaseTtlMs: 10_000, renewDeadlineMs: 4_000, stopTimeoutMs: 5_500 });
  });

  it("leaves the liveness bound to the component: the supervisor knows no probe", () => {
    expect(parse({ FAKTORY_HA_RENEW_INTERVAL_MS: "3000" })).toMatchObject({ renewIntervalMs: 3_000 });
  });

  describe("FAKTORY_HA_LEASE_DB: never Faktory's own database (its FLUSH would take the lease)", () => {
    it.each([
      [
        "the database of a REDIS_URL that names none",
        { ...base, FAKTORY_HA_LEASE_DB: "0" },
        "FAKTORY_HA_LEASE_DB=0 is Faktory's own Redis database (0, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 0",
      ],
      [
        "the default, when REDIS_URL selects database 1",
        { REDIS_URL: "redis://:hunter2@h:6379/1" },
        "FAKTORY_HA_LEASE_DB=1 is Faktory's own Redis database (1, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 1",
      ],
      [
        "a database Redis does not have",
        { ...base, FAKTORY_HA_LEASE_DB: "16" },
        "FAKTORY_HA_LEASE_DB=16 is out of range: allowed 0..15 (a Redis database index)",
      ],
      [
        "a name instead of an index",
        { ...base, FAKTORY_HA_LEASE_DB: "x" },
        'FAKTORY_HA_LEASE_DB="x" is not a whole number (a Redis database index)',
      ],
    ])("refuses %s", (_name, env, message) => {
      expect(errorOf(env)).toBe(message);
    });

    it("takes database 0 when REDIS_URL selects another", () => {
      expect(parse({ REDIS_URL: "redis://h:6379/2", FAKTORY_HA_LEASE_DB: "0" })).toMatchObject({
        redisUrl: "redis://h:6379/2",
        leaseDatabase: 0,
      });
    });
  });

  it("reports an unreadable password file", () => {
    expect(() =>
      parseConfig({ ...base, FAKTORY_PASSWORD: "/nope" }, cmd, {
        ...opts,
        readFile: () => {
          throw new Error("ENOENT");
        },
      }),
    ).toThrow("FAKTORY_PASSWORD points to /nope, which cannot be read");
  });

  it("never echoes a REDIS_URL password in an error", () => {
    const msg = errorOf({ REDIS_URL: "redis://:hunter2@x:1/abc" });
    expect(msg).not.toContain("hunter2");
  });
});

describe("redactUrl", () => {
  it("masks password and user", () => {
    expect(redactUrl("rediss://admin:hunter2@cache:6380/0")).toBe("rediss://***:***@cache:6380/0");
    expect(redactUrl("redis://:hunter2@cache:6379")).toBe("redis://:***@cache:6379");
    expect(redactUrl("redis://cache:6379")).toBe("redis://cache:6379");
  });
});

describe("unknown FAKTORY_HA_ variables", () => {
  it("names the closest known variable for a typo", () => {
    expect(errorOf({ ...base, FAKTORY_HA_LEASE_TTL: "3000" })).toBe(
      'FAKTORY_HA_LEASE_TTL="3000" is not a faktory-ha variable: did you mean FAKTORY_HA_LEASE_TTL_MS?',
    );
    expect(errorOf({ ...base, FAKTORY_HA_RENEW_DEADLNE_MS: "5000" })).toMatch(
      /did you mean FAKTORY_HA_RENEW_DEADLINE_MS\?$/,
    );
  });

  it("lists the known variables when nothing is close", () => {
    const msg = errorOf({ ...base, FAKTORY_HA_SOMETHING_ELSE_ENTIRELY: "1" });
    expect(msg).toMatch(
      /^FAKTORY_HA_SOMETHING_ELSE_ENTIRELY="1" is not a faktory-ha variable: known variables: /,
    );
    expect(msg).toContain("FAKTORY_HA_LEASE_TTL_MS");
  });

  it("leaves other variables alone", () => {
    expect(() => parse({ FAKTORY_PASSWORD: "x", FAKTORY_URL: "tcp://x:1", HOME: "/root" })).not.toThrow();
  });
});

describe("router limits", () => {
  it("reads the limits that are set and leaves the others to the router's defaults", () => {
    expect(
      parse({ FAKTORY_HA_ROUTER_MAX_CONNECTIONS: "500", FAKTORY_HA_HANDSHAKE_TIMEOUT_MS: "1500" })
        .routerLimits,
    ).toEqual({ maxConnections: 500, handshakeTimeoutMs: 1500 });
  });

  it.each([
    [
      "FAKTORY_HA_ROUTER_MAX_CONNECTIONS",
      "0",
      'FAKTORY_HA_ROUTER_MAX_CONNECTIONS="0" is out of range: allowed 1..1000000 connections',
    ],
    [
      "FAKTORY_HA_ROUTER_MAX_LINE_BYTES",
      "8MB",
      'FAKTORY_HA_ROUTER_MAX_LINE_BYTES="8MB" is out of range: allowed 1024..536870912 bytes',
    ],
    [
      "FAKTORY_HA_HANDSHAKE_TIMEOUT_MS",
      "99",
      'FAKTORY_HA_HANDSHAKE_TIMEOUT_MS="99" is out of range: allowed 100..60000 milliseconds',
    ],
  ])("rejects %s=%s", (name, value, message) => {
    expect(errorOf({ ...base, [name]: value })).toBe(message);
  });
});
