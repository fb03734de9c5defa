/**
 * Runs the real thing on loopback for tests, benchmarks and the sandbox: a redis-server on a free port,
 * supervisors (the esbuild bundle under node) each owning an OSS Faktory, all sharing that Redis.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { Redis } from "ioredis";
import { SUPERVISOR_INTS, SUPERVISOR_STRINGS, supervisorEnv } from "../../components/contract/supervisor";
import { greets } from "../src/faktory-process";

export const REPO_ROOT = resolve(__dirname, "../..");
/** The Redis database the supervisors keep their lease in (Faktory's data is in database 0). */
export const LEASE_DATABASE = SUPERVISOR_INTS.database.default;

/** Our stand-in `redis-server`, put first on Faktory's PATH (see the file for why). */
export const SHARED_REDIS_BIN = join(REPO_ROOT, "supervisor/dev/shared-redis-bin");

/** The real Faktory binary: FAKTORY_BIN, else `faktory` on PATH, else .tools/bin. Throws if absent. */
export function faktoryBin(): string {
  const candidates = [
    process.env.FAKTORY_BIN,
    ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "faktory")),
    join(REPO_ROOT, ".tools/bin/faktory"),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  throw new Error(
    "Faktory binary not found: set FAKTORY_BIN or put `faktory` on PATH (scripts/install-faktory.sh builds it into .tools/bin)",
  );
}

export function redisServerBin(): string {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const p = r.stdout.trim();
  if (!p) throw new Error("redis-server not found on PATH: install the redis-server package (.ci/run does)");
  return p;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

const bundles = new Map<string, string>();
/** Bundles a repository entry file for node once per process, named for process lists; returns its path. */
export function bundleOnce(entry: string, fileName: string): string {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const out = join(mkdtempSync(join(tmpdir(), "fha-bundle-")), fileName);
  buildSync({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: out,
    logLevel: "error",
  });
  bundles.set(entry, out);
  return out;
}

/** The supervisor, bundled like `npm run build:supervisor` does for the image. */
export function supervisorBundle(): string {
  return bundleOnce("supervisor/src/main.ts", "faktory-ha-supervisor.js");
}

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  readonly client: Redis;
  stop(): Promise<void>;
}

export async function startRedis(dir: string): Promise<RunningRedis> {
  const port = await freePort();
  const proc = spawn(
    redisServerBin(),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  // Named: a new lease holder closes the unnamed (Faktory's) connections of its predecessor's host, which
  // on loopback is this one's too.
  const client = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectionName: "e2e-harness",
  });
  client.on("error", () => undefined);
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      if (i > 100) throw new Error(`redis-server did not start on port ${port}`);
      client.disconnect();
      await sleep(50);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    stop: async () => {
      client.disconnect();
      proc.kill("SIGKILL");
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once("exit", r)));
    },
  };
}

export interface SupervisorPorts {
  readonly port: number;
  readonly webPort: number;
  readonly healthPort: number;
  readonly internalPort: number;
  readonly internalWebPort: number;
}

export interface LogEvent {
  readonly event: string;
  readonly id: string;
  readonly [k: string]: unknown;
}

export interface SupervisorHandle {
  readonly id: string;
  readonly ports: SupervisorPorts;
  readonly proc: ChildProcess;
  readonly events: LogEvent[];
  /** Raw Faktory/other output lines (stderr and non-JSON stdout). */
  readonly output: string[];
  status(): Promise<Record<string, unknown>>;
  waitFor(pred: (e: LogEvent) => boolean, timeoutMs: number, from?: number): Promise<LogEvent>;
  /** Signals the whole process group: supervisor and its Faktory, like a container or a node. */
  signalGroup(sig: NodeJS.Signals): void;
  /** The inspector port SIGUSR1 opens (ClusterOptions.inspectable), else null. */
  readonly inspectPort: number | null;
  exited: Promise<number | null>;
}

export interface ClusterOptions {
  readonly redisUrl: string;
  readonly baseDir: string;
  readonly keyPrefix?: string;
  readonly ttlMs?: number;
  readonly renewIntervalMs?: number;
  readonly renewDeadlineMs?: number;
  readonly pollMs?: number;
  readonly holdMs?: number;
  readonly stopTimeoutMs?: number;
  readonly password?: string;
  readonly quiet?: boolean;
  readonly extraEnv?: Record<string, string>;
  /**
   * Run the supervisor (and so its Faktory and the redis-server stand-in it spawns) as this Unix user
   * instead of ours: its data directory is chowned to it, and the bundle and base directory are made
   * readable. Needs root. For tests that tell one pod's traffic from another's (iptables owner match).
   */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /**
   * This pod's own loopback address (e.g. 127.0.0.21), as a pod IP is in production: the supervisor
   * advertises it (so it is the host in its lease value), Faktory listens on every address as in the
   * image (`-b :port`), and the redis-server stand-in opens its Redis connections from it. For tests that
   * cut or recognise one pod's Redis traffic by address. Routers and health stay on 127.0.0.1.
   */
  readonly podHost?: string;
  /**
   * Give each supervisor a free inspector port (`--inspect-port`), opened only when the test sends it
   * SIGUSR1: for tests that pause one of its threads through the DevTools protocol.
   */
  readonly inspectable?: boolean;
}

/** chown -R, so a supervisor run as another user owns its data directory. */
function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

export async function startSupervisor(
  id: string,
  o: ClusterOptions,
  fixedPorts?: SupervisorPorts,
): Promise<SupervisorHandle> {
  const ports: SupervisorPorts = fixedPorts ?? {
    port: await freePort(),
    webPort: await freePort(),
    healthPort: await freePort(),
    internalPort: await freePort(),
    internalWebPort: await freePort(),
  };
  const dataDir = join(o.baseDir, id);
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    // The supervisor refuses FAKTORY_HA_* variables it does not know, and the scripts around the tests set
    // some of their own (FAKTORY_HA_CLUSTER_DOWN in CI, FAKTORY_HA_TOOLS_DIR): a pod's environment is the
    // contract's, not the test runner's.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FAKTORY_HA_"))),
    PATH: `${SHARED_REDIS_BIN}${delimiter}${process.env.PATH ?? ""}`,
    REDIS_URL: o.redisUrl,
    [SUPERVISOR_STRINGS.id.env]: id,
    [SUPERVISOR_STRINGS.advertiseHost.env]: o.podHost ?? "127.0.0.1",
    [SUPERVISOR_STRINGS.bindHost.env]: "127.0.0.1",
    // Short test timings that keep the contract's rules, 2 × deadline + stop ≤ ttl included.
    ...supervisorEnv({
      ...ports,
      ttlMs: o.ttlMs ?? 3000,
      renewIntervalMs: o.renewIntervalMs ?? 450,
      renewDeadlineMs: o.renewDeadlineMs ?? 1200,
      pollMs: o.pollMs ?? 200,
      routerHoldMs: o.holdMs ?? 15000,
      stopTimeoutMs: o.stopTimeoutMs ?? 600,
      metricsIntervalMs: SUPERVISOR_INTS.metricsIntervalMs.default,
      database: LEASE_DATABASE,
      keyPrefix: o.keyPrefix ?? SUPERVISOR_STRINGS.keyPrefix.default,
      // Faktory reads <-c dir>/conf.d/*.toml; that is the directory the supervisor watches.
      configDir: join(dataDir, "conf", "conf.d"),
    }),
    ...(o.password ? { FAKTORY_PASSWORD: o.password } : {}),
    ...(o.podHost ? { SHARED_REDIS_LOCAL_ADDRESS: o.podHost } : {}),
    ...o.extraEnv,
  };
  delete env.FAKTORY_URL;
  const listenHost = o.podHost ? "" : "127.0.0.1";
  const command = [
    faktoryBin(),
    "-b",
    `${listenHost}:${ports.internalPort}`,
    "-w",
    `${listenHost}:${ports.internalWebPort}`,
    "-d",
    join(dataDir, "data"),
    "-c",
    join(dataDir, "conf"),
    "-e",
    "development",
  ];
  mkdirSync(join(dataDir, "conf", "conf.d"), { recursive: true });
  if (o.runAs) {
    // mkdtemp makes 0700 directories: let the other user reach its data dir and read the bundle.
    chmodSync(o.baseDir, 0o755);
    chmodSync(dirname(supervisorBundle()), 0o755);
    chmodSync(supervisorBundle(), 0o644);
    chownTree(dataDir, o.runAs.uid, o.runAs.gid);
  }
  const inspectPort = o.inspectable ? await freePort() : null;
  const nodeArgs = inspectPort === null ? [] : [`--inspect-port=127.0.0.1:${inspectPort}`];
  // Own process group, so a test can stop or kill "the pod" (supervisor + Faktory) in one go.
  const proc = spawn(process.execPath, [...nodeArgs, supervisorBundle(), "--", ...command], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    ...(o.runAs ? { uid: o.runAs.uid, gid: o.runAs.gid } : {}),
  });
  const events: LogEvent[] = [];
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const onLine = (line: string) => {
    if (!line) return;
    if (line.startsWith("{")) {
      try {
        const e = JSON.parse(line) as LogEvent;
        events.push(e);
        for (const l of listeners) l();
        if (!o.quiet) process.stdout.write(`[${id}] ${e.event} ${JSON.stringify(e)}\n`);
        return;
      } catch {
        // not ours
      }
    }
    output.push(line);
    for (const l of listeners) l();
  };
  let buf = "";
  const feed = (d: Buffer) => {
    buf += d.toString("utf8");
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  };
  proc.stdout!.on("data", feed);
  proc.stderr!.on("data", feed);
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const handle: SupervisorHandle = {
    id,
    ports,
    proc,
    events,
    output,
    exited,
    inspectPort,
    status: async () => {
      const res = await fetch(`http://127.0.0.1:${ports.healthPort}/status`);
      return (await res.json()) as Record<string, unknown>;
    },
    waitFor: (pred, timeoutMs, from = 0) =>
      new Promise((resolveEvent, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred);
          if (hit) {
            listeners.delete(check);
            clearTimeout(timer);
            resolveEvent(hit);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `${id}: no matching event within ${timeoutMs} ms; last: ${events.slice(-5).map((e) => e.event)}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    signalGroup: (sig) => {
      try {
        process.kill(-proc.pid!, sig);
      } catch {
        // gone
      }
    },
  };
  await handle.waitFor(
    (e) => e.event === "supervisor.started" || e.event === "supervisor.start_failed",
    15_000,
  );
  return handle;
}

export interface Cluster {
  readonly redis: RunningRedis;
  readonly supervisors: SupervisorHandle[];
  readonly options: ClusterOptions;
  /** The supervisor whose /status says primary with a ready Faktory (waits for one). */
  primary(timeoutMs?: number): Promise<SupervisorHandle>;
  stop(): Promise<void>;
}

export async function startCluster(
  n: number,
  opts: Partial<ClusterOptions> & { prefix?: string } = {},
): Promise<Cluster> {
  const baseDir = opts.baseDir ?? mkdtempSync(join(tmpdir(), `${opts.prefix ?? "fha"}-`));
  const redis = await startRedis(baseDir);
  const options: ClusterOptions = { ...opts, redisUrl: redis.url, baseDir };
  const supervisors: SupervisorHandle[] = [];
  for (let i = 0; i < n; i++) supervisors.push(await startSupervisor(`sup-${i}`, options));
  const cluster: Cluster = {
    redis,
    supervisors,
    options,
    primary: (timeoutMs = 20_000) => waitForPrimary(supervisors, timeoutMs),
    stop: async () => {
      for (const s of supervisors) {
        s.signalGroup("SIGCONT");
        s.signalGroup("SIGKILL");
      }
      await Promise.all(supervisors.map((s) => Promise.race([s.exited, sleep(3000)])));
      await redis.stop();
      if (!opts.baseDir) rmSync(baseDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export async function waitForPrimary(
  sups: readonly SupervisorHandle[],
  timeoutMs: number,
): Promise<SupervisorHandle> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const s of sups) {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) continue;
      try {
        const st = await withTimeout(s.status(), 500);
        const fk = st.faktory as { ready?: boolean } | undefined;
        if (st.role === "primary" && fk?.ready) return s;
      } catch {
        // stopped or frozen
      }
    }
    await sleep(50);
  }
  // Say what each pod was doing: a flaky run must be diagnosable from CI's log alone.
  const lines = sups.map((s) => {
    const events = s.events
      .slice(-6)
      .map((e) => JSON.stringify(e))
      .join("\n      ");
    const output = s.output.slice(-4).join("\n      ");
    const exit = s.proc.exitCode ?? s.proc.signalCode ?? "running";
    return `  ${s.id} (${exit}):\n    events:\n      ${events}\n    output:\n      ${output}`;
  });
  throw new Error(`no primary with a ready Faktory within ${timeoutMs} ms\n${lines.join("\n")}`);
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error("timeout")), ms))]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A Faktory server started directly, without a supervisor (scenario 1's seed servers, router tests). */
export interface BareFaktory {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** Everything it printed, line by line. */
  readonly output: string[];
  /** Signals Faktory and its (embedded or stand-in) redis-server: their own process group. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILLs the group (thawing it first) and waits up to 3 s for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real Faktory binary on free loopback ports with its data in `<dir>/<name>`, and waits for
 * its greeting. `env` replaces the inherited environment's Faktory and Redis settings: pass
 * `sharedRedisEnv(redis)` to put it on a shared Redis, or `FAKTORY_PASSWORD` for a password.
 */
export async function startBareFaktory(
  dir: string,
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<BareFaktory> {
  const bin = faktoryBin(); // throws with a clear message when Faktory is not installed
  const port = await freePort();
  const web = await freePort();
  const data = join(dir, name);
  mkdirSync(data, { recursive: true });
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.FAKTORY_URL;
  delete childEnv.FAKTORY_PASSWORD;
  delete childEnv.REDIS_URL; // its own embedded Redis unless `env` says otherwise
  const proc = spawn(bin, ["-b", `127.0.0.1:${port}`, "-w", `127.0.0.1:${web}`, "-d", data, "-c", data], {
    env: { ...childEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const keep = (d: Buffer) => output.push(...d.toString().split("\n").filter(Boolean));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<void>((r) =>
    proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", () => r()),
  );
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    signal("SIGCONT");
    signal("SIGKILL");
    await Promise.race([exited, sleep(3000)]);
  };
  for (let i = 0; !(await greets("127.0.0.1", port)); i++) {
    if (proc.exitCode !== null || i > 200) {
      await stop();
      throw new Error(`Faktory ${name} did not start on ${port}:\n${output.join("\n")}`);
    }
    await sleep(50);
  }
  return { name, port, proc, output, signal, stop };
}

/** The environment that puts an open-source Faktory on a shared Redis (see shared-redis-bin). */
export function sharedRedisEnv(redis: RunningRedis): NodeJS.ProcessEnv {
  return { PATH: `${SHARED_REDIS_BIN}${delimiter}${process.env.PATH}`, REDIS_URL: redis.url };
}
