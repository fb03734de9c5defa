/**
 * An ElastiCache-style Redis for e2e tests: two real redis-servers (primary + replica, asynchronous
 * replication) behind one endpoint that, like the ElastiCache primary endpoint, sends every NEW
 * connection to whichever node is primary now while connections already open stay where they are.
 * `failover()` swaps the roles the way a Multi-AZ failover does, in two variants:
 *
 * - "caught-up": writes on the primary are paused (CLIENT PAUSE WRITE, as Redis's own FAILOVER does),
 *   the replica catches up to the primary's offset, is promoted (REPLICAOF NO ONE), the old primary is
 *   demoted (REPLICAOF <new>; read-only from then on) and the endpoint flips. Nothing acknowledged is lost.
 * - "lost-last-second": the replica is promoted first and the old primary keeps accepting writes for
 *   `windowMs` (≈1 s) before it is demoted and the endpoint flips; its resync discards those writes —
 *   the loss asynchronous replication allows.
 *
 * Who is connected where: `clientsOn(node)` reads CLIENT LIST on a node and names the process behind
 * each connection (the endpoint's connection table gives the client's port, /proc gives its process).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  bundleOnce,
  freePort,
  harnessClient,
  HARNESS_CLIENT_NAME,
  killPods,
  redisServerBin,
  sleep,
  startSupervisor,
  waitForPrimary,
  type LoopbackClusterOptions,
  type SupervisorOptions,
  type SupervisorHandle,
} from "../../support/loopback";
import type { EndpointCommand, ProxiedConnection } from "./endpoint-proxy-main";

export type { ProxiedConnection } from "./endpoint-proxy-main";

export interface RedisNode {
  readonly name: string;
  readonly port: number;
  /** A harness connection straight to this node (not through the endpoint). */
  readonly client: Redis;
  readonly proc: ChildProcess;
  info(section?: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function startRedisNode(dir: string, name: string, replicaOf?: number): Promise<RedisNode> {
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--dbfilename",
    `${name}.rdb`,
    // Full resyncs (a demoted primary rejoining) start at once instead of after the default 5 s.
    "--repl-diskless-sync",
    "yes",
    "--repl-diskless-sync-delay",
    "0",
    ...(replicaOf ? ["--replicaof", "127.0.0.1", String(replicaOf)] : []),
  ];
  const proc = spawn(redisServerBin(), args, { stdio: "ignore" });
  const client = await harnessClient(port, `redis-server ${name}`);
  return {
    name,
    port,
    client,
    proc,
    info: async (section = "replication") => parseInfo(String(await client.call("INFO", section))),
    stop: async () => {
      client.disconnect();
      proc.kill("SIGKILL");
      await new Promise((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once("exit", r),
      );
    },
  };
}

/** The primary endpoint: a TCP proxy in its own process (see endpoint-proxy-main.ts). */
export interface Endpoint {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: what supervisors (and so Faktory) get as REDIS_URL. */
  readonly url: string;
  /** The node port new connections go to. */
  readonly targetPort: number;
  /** From now on, new connections go to this node; open ones stay where they are. */
  setTarget(port: number): Promise<void>;
  connections(): Promise<ProxiedConnection[]>;
  stop(): Promise<void>;
}

export async function startEndpoint(initialTarget: number): Promise<Endpoint> {
  const proc = spawn(
    process.execPath,
    [bundleOnce("test/e2e/support/endpoint-proxy-main.ts", "endpoint-proxy.js"), String(initialTarget)],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("endpoint proxy did not start within 10 s")), 10_000);
    proc.once("message", (m: { type?: string; port?: number }) => {
      clearTimeout(t);
      if (m.type === "listening" && m.port) resolve(m.port);
      else reject(new Error(`endpoint proxy: unexpected first message ${JSON.stringify(m)}`));
    });
    proc.once("exit", (code) => reject(new Error(`endpoint proxy exited with ${code}`)));
  });
  let nextId = 1;
  const request = <T>(msg: EndpointCommand): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => {
        proc.off("message", on);
        reject(new Error(`endpoint proxy did not answer ${JSON.stringify(msg)} within 5 s`));
      }, 5000);
      const on = (m: { id?: number }) => {
        if (m.id !== id) return;
        clearTimeout(t);
        proc.off("message", on);
        resolve(m as T);
      };
      proc.on("message", on);
      proc.send({ ...msg, id });
    });
  let targetPort = initialTarget;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get targetPort() {
      return targetPort;
    },
    setTarget: async (p) => {
      await request({ cmd: "target", port: p });
      targetPort = p;
    },
    connections: async () => (await request<{ conns: ProxiedConnection[] }>({ cmd: "conns" })).conns,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await gone;
    },
  };
}

export type FailoverVariant = "caught-up" | "lost-last-second";

export interface FailoverHooks {
  /** Runs right after the replica is promoted, before anything is written to it (nothing routes there yet). */
  onPromoted?(newPrimary: Redis): Promise<void>;
  /** Runs on the old primary with its writes paused, just before it is demoted: its final state. */
  beforeDemote?(oldPrimary: Redis): Promise<void>;
}

export interface FailoverRecord {
  readonly variant: FailoverVariant;
  readonly from: string;
  readonly to: string;
  readonly startedAt: number;
  /** REPLICAOF NO ONE on the replica answered. */
  readonly promotedAt: number;
  /** REPLICAOF <new> on the old primary answered: it refuses writes from here on. */
  readonly demotedAt: number;
  /** The endpoint sends new connections to the new primary from here on. */
  readonly switchedAt: number;
  /** Replication offset the promoted replica had reached. */
  readonly promotedOffset: number;
  /** The old primary's offset when demoted: anything beyond promotedOffset is discarded by its resync. */
  readonly demotedOffset: number;
  /** demotedOffset - promotedOffset: bytes of writes the old primary accepted that the new one never got. */
  readonly discardedBytes: number;
}

export interface RedisPair {
  readonly nodes: readonly [RedisNode, RedisNode];
  readonly endpoint: Endpoint;
  /** The endpoint's URL (REDIS_URL for supervisors). */
  readonly url: string;
  primary(): RedisNode;
  replica(): RedisNode;
  /** Waits until the replica's link to the primary is up and its initial sync done. */
  waitLinked(timeoutMs?: number): Promise<void>;
  failover(variant: FailoverVariant, hooks?: FailoverHooks, windowMs?: number): Promise<FailoverRecord>;
  stop(): Promise<void>;
}

/** How long CLIENT PAUSE may last if the harness itself dies mid-failover (it unpauses explicitly). */
const PAUSE_SAFETY_MS = 5000;

export async function startRedisPair(dir: string): Promise<RedisPair> {
  const a = await startRedisNode(dir, "redis-a");
  const b = await startRedisNode(dir, "redis-b", a.port);
  const endpoint = await startEndpoint(a.port);
  const nodes = [a, b] as const;
  let primaryIdx = 0;
  const primary = () => nodes[primaryIdx];
  const replica = () => nodes[1 - primaryIdx];

  const waitLinked = async (timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, string> = {};
    while (Date.now() < deadline) {
      last = await replica().info();
      if (last.role === "slave" && last.master_link_status === "up" && last.master_sync_in_progress === "0")
        return;
      await sleep(50);
    }
    throw new Error(`replica ${replica().name} not linked within ${timeoutMs} ms: ${JSON.stringify(last)}`);
  };

  const failover = async (
    variant: FailoverVariant,
    hooks: FailoverHooks = {},
    windowMs = 1000,
  ): Promise<FailoverRecord> => {
    const old = primary();
    const next = replica();
    await waitLinked();
    const startedAt = Date.now();
    let promotedAt: number;
    let promotedOffset: number;
    let demotedOffset: number;
    try {
      if (variant === "caught-up") {
        await old.client.call("CLIENT", "PAUSE", String(PAUSE_SAFETY_MS), "WRITE");
        const target = Number((await old.info()).master_repl_offset);
        const deadline = Date.now() + 4000;
        for (;;) {
          const r = await next.info();
          if (Number(r.slave_repl_offset) === target) break;
          if (Date.now() > deadline)
            throw new Error(`replica did not reach offset ${target} within 4 s: at ${r.slave_repl_offset}`);
          await sleep(5);
        }
        await next.client.call("REPLICAOF", "NO", "ONE");
        promotedAt = Date.now();
        promotedOffset = Number((await next.info()).master_repl_offset);
        await hooks.onPromoted?.(next.client);
        demotedOffset = Number((await old.info()).master_repl_offset);
        await hooks.beforeDemote?.(old.client);
      } else {
        await next.client.call("REPLICAOF", "NO", "ONE");
        promotedAt = Date.now();
        promotedOffset = Number((await next.info()).master_repl_offset);
        await hooks.onPromoted?.(next.client);
        // The old primary is still the endpoint's target and takes writes for another `windowMs`.
        await sleep(Math.max(0, promotedAt + windowMs - Date.now()));
        await old.client.call("CLIENT", "PAUSE", String(PAUSE_SAFETY_MS), "WRITE");
        demotedOffset = Number((await old.info()).master_repl_offset);
        await hooks.beforeDemote?.(old.client);
      }
      await old.client.call("REPLICAOF", "127.0.0.1", String(next.port));
    } finally {
      // Writes held by the pause are then refused with READONLY: the node is a replica now.
      await old.client.call("CLIENT", "UNPAUSE").catch(() => undefined);
    }
    const demotedAt = Date.now();
    primaryIdx = 1 - primaryIdx;
    await endpoint.setTarget(next.port);
    const switchedAt = Date.now();
    return {
      variant,
      from: old.name,
      to: next.name,
      startedAt,
      promotedAt,
      demotedAt,
      switchedAt,
      promotedOffset,
      demotedOffset,
      discardedBytes: demotedOffset - promotedOffset,
    };
  };

  return {
    nodes,
    endpoint,
    url: endpoint.url,
    primary,
    replica,
    waitLinked,
    failover,
    stop: async () => {
      await endpoint.stop();
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

// ---- who is connected to a node ----

/** One CLIENT LIST entry, with the process behind it when it came through the endpoint. */
export interface NodeClient {
  readonly addr: string;
  readonly name: string;
  readonly flags: string;
  readonly cmd: string;
  readonly ageS: number;
  /** "supervisor <id>", "faktory of <id>" (Faktory or its redis-server stand-in), "harness", "replication", "unknown". */
  readonly owner: string;
  readonly pid: number | null;
}

function parseClientList(text: string): Record<string, string>[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const o: Record<string, string> = {};
      for (const kv of line.split(" ")) {
        const i = kv.indexOf("=");
        if (i > 0) o[kv.slice(0, i)] = kv.slice(i + 1);
      }
      return o;
    });
}

/** Socket inode of the TCP connection 127.0.0.1:localPort → 127.0.0.1:remotePort, from /proc/net/tcp. */
function socketInode(localPort: number, remotePort: number): string | null {
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const lp = parseInt(f[1].split(":").pop() ?? "", 16);
      const rp = parseInt(f[2].split(":").pop() ?? "", 16);
      if (lp === localPort && rp === remotePort) return f[9];
    }
  }
  return null;
}

/** socket inode → pid, for every process we can see. */
function socketOwners(): Map<string, number> {
  const owners = new Map<string, number>();
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) owners.set(m[1], Number(p));
      } catch {
        // closed meanwhile
      }
    }
  }
  return owners;
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** "supervisor <id>" for a supervisor's own process, "faktory of <id>" for any process below it. */
export function ownerOfPid(pid: number, sups: readonly SupervisorHandle[]): string {
  let p: number | null = pid;
  for (let depth = 0; p && p > 1 && depth < 10; depth++) {
    const sup = sups.find((s) => s.proc.pid === p);
    if (sup) return depth === 0 ? `supervisor ${sup.id}` : `faktory of ${sup.id}`;
    p = parentOf(p);
  }
  return `unknown (pid ${pid})`;
}

/** Every connection a node has, each named by the process that opened it (through the endpoint). */
export async function clientsOn(
  node: RedisNode,
  endpoint: Endpoint,
  sups: readonly SupervisorHandle[],
): Promise<NodeClient[]> {
  const list = parseClientList(String(await node.client.call("CLIENT", "LIST")));
  const proxied = await endpoint.connections();
  const owners = socketOwners();
  return list.map((c) => {
    const base = {
      addr: c.addr,
      name: c.name ?? "",
      flags: c.flags ?? "",
      cmd: c.cmd ?? "",
      ageS: Number(c.age ?? 0),
    };
    if (/[MS]/.test(base.flags)) return { ...base, owner: "replication", pid: null };
    if (base.name === HARNESS_CLIENT_NAME) return { ...base, owner: "harness", pid: null };
    const port = Number(c.addr.split(":").pop());
    const via = proxied.find((p) => p.nodePort === node.port && p.localPort === port);
    const inode = via ? socketInode(via.clientPort, endpoint.port) : null;
    const pid = inode ? (owners.get(inode) ?? null) : null;
    return { ...base, owner: pid ? ownerOfPid(pid, sups) : "unknown", pid };
  });
}

/** The connections of a node that belong to a supervisor: by CLIENT SETNAME, or by the owning process. */
export function supervisorConnections(clients: readonly NodeClient[]): NodeClient[] {
  return clients.filter((c) => c.name.startsWith("faktory-ha:") || c.owner.startsWith("supervisor "));
}

// ---- a cluster of supervisors on the endpoint ----

export interface FailoverCluster {
  readonly redis: RedisPair;
  readonly supervisors: SupervisorHandle[];
  readonly options: SupervisorOptions;
  primary(timeoutMs?: number): Promise<SupervisorHandle>;
  stop(): Promise<void>;
}

/** n supervisors whose REDIS_URL is the pair's endpoint (so their Faktory's Redis is too). */
export async function startFailoverCluster(
  n: number,
  opts: LoopbackClusterOptions = {},
): Promise<FailoverCluster> {
  const baseDir = mkdtempSync(join(tmpdir(), `${opts.prefix ?? "fha-rf"}-`));
  const redis = await startRedisPair(baseDir);
  const options: SupervisorOptions = { ...opts, redisUrl: redis.url, baseDir };
  const supervisors: SupervisorHandle[] = [];
  const stop = async () => {
    await killPods(supervisors);
    await redis.stop();
    rmSync(baseDir, { recursive: true, force: true });
  };
  try {
    await redis.waitLinked();
    for (let i = 0; i < n; i++) supervisors.push(await startSupervisor(`sup-${i}`, options));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    redis,
    supervisors,
    options,
    primary: (timeoutMs = 20_000) => waitForPrimary(supervisors, timeoutMs),
    stop,
  };
}
