/**
 * Cutting one pod off from Redis on loopback. Every supervisor (and so its Faktory and the redis-server
 * stand-in Faktory spawns) runs as its own Unix user; an iptables rule with the owner match drops (or
 * resets) that user's packets to the Redis port, and nobody else's. Replies from Redis are not matched
 * (their destination port is the client's), so only the pod's own traffic to Redis is cut — a partition
 * between that pod and Redis, while every pod still reaches every other.
 *
 * All rules live in one dedicated chain, FHA-PARTITION, jumped to from OUTPUT. `openFirewall()` creates it
 * (or empties what a crashed run left), `heal()` empties it, `close()` removes chain and jump; a process
 * exit hook (and SIGINT/SIGTERM/SIGHUP) does the same, so no rule outlives the test run. Needs root.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  killPods,
  startRedis,
  startSupervisor,
  waitForPrimary,
  type LoopbackClusterOptions,
  type SupervisorOptions,
  type RunningRedis,
  type SupervisorHandle,
} from "../../support/loopback";

export const PARTITION_CHAIN = "FHA-PARTITION";

export type CutMode = "drop" | "reject";

export interface Firewall {
  /** The iptables binary in use: `iptables` (nft backend here) or `iptables-legacy`. */
  readonly bin: string;
  /** Cuts every TCP packet user `uid` sends to 127.0.0.1:port on loopback. */
  cut(uid: number, port: number, mode: CutMode): void;
  /**
   * Drops every TCP packet between address `host` and `port`, both ways, by address alone: it keeps
   * matching a socket whose process is gone (an orphan the kernel still retransmits from), which the owner
   * match of `cut` does not.
   */
  cutHost(host: string, port: number): void;
  /** Removes every cut (the chain stays, empty). */
  heal(): void;
  /** The chain's rules as `iptables -S` prints them. */
  rules(): string[];
  /** Removes the chain and the jump to it. Idempotent. */
  close(): void;
}

function run(bin: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(bin, ["-w", "5", ...args], { encoding: "utf8" });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim();
  return { ok: r.status === 0, out };
}

function must(bin: string, args: string[]): string {
  const r = run(bin, args);
  if (!r.ok) throw new Error(`${bin} ${args.join(" ")} failed: ${r.out}`);
  return r.out;
}

/** Removes the jump(s) from OUTPUT, then empties and deletes the chain; ignores what is already gone. */
function removeChain(bin: string): void {
  for (let i = 0; i < 10 && run(bin, ["-C", "OUTPUT", "-j", PARTITION_CHAIN]).ok; i++) {
    run(bin, ["-D", "OUTPUT", "-j", PARTITION_CHAIN]);
  }
  run(bin, ["-F", PARTITION_CHAIN]);
  run(bin, ["-X", PARTITION_CHAIN]);
}

let exitHookInstalled = false;
const openBins = new Set<string>();

function installExitHooks(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    for (const bin of openBins) removeChain(bin);
    openBins.clear();
  };
  process.once("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      cleanup();
      // Default action again, so the process still dies of the signal.
      process.kill(process.pid, sig);
    });
  }
}

/**
 * Picks a working iptables (iptables, else iptables-legacy), and starts from a clean FHA-PARTITION chain
 * jumped to first from OUTPUT. Throws with each binary's exact error when neither works.
 */
export function openFirewall(): Firewall {
  const errors: string[] = [];
  let bin: string | null = null;
  for (const candidate of ["iptables", "iptables-legacy"]) {
    const probe = run(candidate, ["-L", "OUTPUT", "-n"]);
    if (probe.ok) {
      bin = candidate;
      break;
    }
    errors.push(`${candidate}: ${probe.out}`);
  }
  if (!bin) {
    throw new Error(
      `no usable iptables (install the iptables package; root is needed): ${errors.join(" | ")}`,
    );
  }
  const b = bin;
  installExitHooks();
  removeChain(b); // whatever a crashed run left behind
  must(b, ["-N", PARTITION_CHAIN]);
  must(b, ["-I", "OUTPUT", "1", "-j", PARTITION_CHAIN]);
  openBins.add(b);
  return {
    bin: b,
    cut: (uid, port, mode) => {
      const target = mode === "drop" ? ["-j", "DROP"] : ["-j", "REJECT", "--reject-with", "tcp-reset"];
      must(b, [
        "-A",
        PARTITION_CHAIN,
        "-o",
        "lo",
        "-p",
        "tcp",
        "--dport",
        String(port),
        "-m",
        "owner",
        "--uid-owner",
        String(uid),
        ...target,
      ]);
    },
    cutHost: (host, port) => {
      const common = ["-A", PARTITION_CHAIN, "-o", "lo", "-p", "tcp"];
      must(b, [...common, "-s", host, "--dport", String(port), "-j", "DROP"]);
      must(b, [...common, "-d", host, "--sport", String(port), "-j", "DROP"]);
    },
    heal: () => void must(b, ["-F", PARTITION_CHAIN]),
    rules: () =>
      must(b, ["-S", PARTITION_CHAIN])
        .split("\n")
        .filter((l) => l.startsWith("-A")),
    close: () => {
      removeChain(b);
      openBins.delete(b);
    },
  };
}

export interface PodUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function idOf(name: string, flag: "-u" | "-g"): number | null {
  const r = spawnSync("id", [flag, name], { encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** The system user `name` (with its own group), created with useradd if missing. Needs root. */
export function ensureUser(name: string): PodUser {
  if (idOf(name, "-u") === null) {
    const r = spawnSync(
      "useradd",
      ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
      { encoding: "utf8" },
    );
    // Another run may have created it meanwhile (exit 9: already exists).
    if (r.status !== 0 && idOf(name, "-u") === null)
      throw new Error(`useradd ${name} failed (${r.status}): ${r.stderr || r.error}`);
  }
  return { name, uid: idOf(name, "-u")!, gid: idOf(name, "-g")! };
}

export interface PartitionCluster {
  readonly redis: RunningRedis;
  readonly supervisors: SupervisorHandle[];
  /** supervisors[i] runs as users[i]. */
  readonly users: PodUser[];
  readonly options: SupervisorOptions;
  userOf(s: SupervisorHandle): PodUser;
  primary(timeoutMs?: number): Promise<SupervisorHandle>;
  stop(): Promise<void>;
}

/**
 * One redis-server (run as us) and n supervisors `sup-<i>`, each run as user `fha-p<i>`, and with
 * `podHosts` each on its own loopback address (SupervisorOptions.podHost).
 */
export async function startPartitionCluster(
  n: number,
  opts: LoopbackClusterOptions & { podHosts?: readonly string[] } = {},
): Promise<PartitionCluster> {
  const users = Array.from({ length: n }, (_, i) => ensureUser(`fha-p${i}`));
  const baseDir = mkdtempSync(join(tmpdir(), `${opts.prefix ?? "fha-part"}-`));
  const redis = await startRedis(baseDir);
  // Protected mode refuses every client address but 127.0.0.1 and ::1; the server listens on 127.0.0.1 only.
  if (opts.podHosts) await redis.client.config("SET", "protected-mode", "no");
  const options: SupervisorOptions = { ...opts, redisUrl: redis.url, baseDir };
  const supervisors: SupervisorHandle[] = [];
  const stop = async () => {
    await killPods(supervisors);
    await redis.stop();
    rmSync(baseDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      supervisors.push(
        await startSupervisor(`sup-${i}`, {
          ...options,
          runAs: { uid: users[i].uid, gid: users[i].gid },
          ...(opts.podHosts ? { podHost: opts.podHosts[i] } : {}),
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    redis,
    supervisors,
    users,
    options,
    userOf: (s) => users[supervisors.indexOf(s)],
    primary: (timeoutMs = 20_000) => waitForPrimary(supervisors, timeoutMs),
    stop,
  };
}

/** A TCP socket as `ss` shows it, orphans (no process) included. */
export interface TcpSocket {
  readonly state: string;
  readonly sendQ: number;
  readonly local: string;
  readonly peer: string;
}

/** Every TCP socket from address `host` to port `port`, in any state (`ss -tan`). */
export function tcpSockets(host: string, port: number): TcpSocket[] {
  const r = spawnSync("ss", ["-tanH", "src", host, "dport", "=", `:${port}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ss failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5)
    .map(([state, , sendQ, local, peer]) => ({ state, sendQ: Number(sendQ), local, peer }));
}
