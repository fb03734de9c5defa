/**
 * The router benchmarks' load and figures: concurrent faktory-worker clients PUSHing through one path for
 * a fixed time, each on one pooled connection (opened, and with TLS handshaken, before the clock starts);
 * throughput, p50/p99 latency and the proxy process's CPU seconds per 10,000 commands.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { Client } from "faktory-worker";
import { LEASE_DEFAULTS } from "../components/contract/supervisor";
import {
  freePort,
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type LoopbackClusterOptions,
  type SupervisorHandle,
} from "../test/support/loopback";
import { haproxyBin, startHaproxy } from "./haproxy";
import { machine, median, quantile, quiet, round, sleep } from "./support";

export interface Path {
  readonly port: number;
  /** The proxy process whose CPU is counted (null: straight to Faktory). */
  readonly pid: number | null;
  /** TLS options for the clients (a TLS port). */
  readonly tls?: ConnectionOptions;
}

export interface Measure {
  readonly jobsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds the proxy process spent per 10,000 commands (null for direct). */
  readonly cpuPer10k: number | null;
}

/** User + system CPU seconds of a process, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

export async function measure(
  path: Path,
  o: {
    readonly password: string;
    readonly concurrency: number;
    readonly seconds: number;
    readonly queue: string;
  },
): Promise<Measure> {
  const clients = Array.from({ length: o.concurrency }, () =>
    quiet(
      new Client({
        host: "127.0.0.1",
        port: path.port,
        password: o.password,
        poolSize: 1,
        ...(path.tls && { tlsOptions: path.tls }),
      }),
    ),
  );
  const job = { jobtype: "bench", queue: o.queue, args: [] };
  // Warm up: connections and handshakes are not what we measure.
  await Promise.all(clients.map((c) => c.push(job)));
  const lat: number[] = [];
  const end = performance.now() + o.seconds * 1000;
  let n = 0;
  const cpu0 = path.pid ? cpuSeconds(path.pid) : 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const s = performance.now();
        await c.push(job);
        lat.push(performance.now() - s);
        n++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = path.pid ? cpuSeconds(path.pid) - cpu0 : 0;
  await Promise.all(clients.map((c) => c.close()));
  return {
    jobsPerSec: n / elapsed,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    cpuPer10k: path.pid ? (cpu / n) * 10_000 : null,
  };
}

export interface Summary {
  readonly jobsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuSecondsPer10kCommands: number | null;
  readonly perRound: Measure[];
}

/** Medians over the rounds, and each round rounded. */
export function summary(ms: readonly Measure[]): Summary {
  const cpu = ms.map((m) => m.cpuPer10k).filter((x): x is number => x !== null);
  return {
    jobsPerSec: round(median(ms.map((m) => m.jobsPerSec)), 0),
    p50Ms: round(median(ms.map((m) => m.p50Ms))),
    p99Ms: round(median(ms.map((m) => m.p99Ms))),
    cpuSecondsPer10kCommands: cpu.length ? round(median(cpu)) : null,
    perRound: ms.map((m) => ({
      jobsPerSec: round(m.jobsPerSec, 0),
      p50Ms: round(m.p50Ms),
      p99Ms: round(m.p99Ms),
      cpuPer10k: m.cpuPer10k === null ? null : round(m.cpuPer10k),
    })),
  };
}

/** a ÷ b for each figure (of the medians); CPU null unless both paths have a proxy. */
export function ratios(a: Summary, b: Summary) {
  return {
    throughputRatio: round(a.jobsPerSec / b.jobsPerSec),
    p50Ratio: round(a.p50Ms / b.p50Ms),
    p99Ratio: round(a.p99Ms / b.p99Ms),
    cpuPerCommandRatio:
      a.cpuSecondsPer10kCommands && b.cpuSecondsPer10kCommands
        ? round(a.cpuSecondsPer10kCommands / b.cpuSecondsPer10kCommands)
        : null,
  };
}

/**
 * Rounds of every path at one concurrency, interleaved in rotating order so the paths share the
 * machine's noise; `between` runs after each measurement (empty the queue). Unrecorded warm-up first.
 */
export async function interleaved<M extends string>(
  paths: Readonly<Record<M, Path>>,
  o: {
    readonly password: string;
    readonly concurrency: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly rounds: number;
    readonly queue: string;
    readonly between: () => Promise<void>;
    readonly progress: (line: string) => void;
  },
): Promise<Record<M, Summary>> {
  const modes = Object.keys(paths) as M[];
  const results = Object.fromEntries(modes.map((m) => [m, [] as Measure[]])) as Record<M, Measure[]>;
  const load = { password: o.password, concurrency: o.concurrency, queue: o.queue };
  if (o.warmupSeconds > 0)
    for (const m of modes) await measure({ ...paths[m], pid: null }, { ...load, seconds: o.warmupSeconds });
  for (let i = 0; i < o.rounds; i++) {
    for (let k = 0; k < modes.length; k++) {
      const m = modes[(i + k) % modes.length];
      results[m].push(await measure(paths[m], { ...load, seconds: o.seconds }));
      await o.between();
    }
    o.progress(`concurrency ${o.concurrency} round ${i + 1} done`);
  }
  return Object.fromEntries(modes.map((m) => [m, summary(results[m])])) as Record<M, Summary>;
}

export interface BenchSettings {
  readonly rounds: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly warmupSeconds: number;
}

/** BENCH_ROUNDS (at least minRounds), BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_WARMUP_SECONDS. */
export function benchSettings(env: NodeJS.ProcessEnv, minRounds: number): BenchSettings {
  return {
    rounds: Math.max(minRounds, Number(env.BENCH_ROUNDS ?? 5)),
    seconds: Number(env.BENCH_SECONDS ?? 10),
    concurrency: Number(env.BENCH_CONCURRENCY ?? 8),
    // Unrecorded load through each path first: the router's JIT warms up (HAProxy has none to warm).
    warmupSeconds: Number(env.BENCH_WARMUP_SECONDS ?? 2),
  };
}

const BENCH_PASSWORD = "bench";
const QUEUE = "router";

export interface RouterBench {
  /** A temporary directory, removed at the end. */
  readonly dir: string;
  readonly cluster: LoopbackCluster;
  /** The supervisor that holds the lease and runs the Faktory every path reaches. */
  readonly primary: SupervisorHandle;
  /** Starts HAProxy relaying to the primary's Faktory, killed at the end; with a PEM, a TLS listener too. */
  haproxy(tlsPemPath?: string): Promise<{ pid: number; port: number; tlsPort: number | null }>;
  /** Every path at 1 client and at the settings' concurrency; `figures` adds to each concurrency's summaries. */
  measure<M extends string>(
    paths: Readonly<Record<M, Path>>,
    figures: (x: Record<M, Summary>) => Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

/**
 * Runs a router benchmark: checks HAProxy is there, then starts one supervisor and its Faktory on
 * loopback (options from `cluster`, given the temporary directory) with the production lease timings
 * (the contract's defaults), not the quick test ones: the supervisor's CPU, measured as a whole,
 * includes its lease worker, which renews every 450 ms with the latter. Returns the JSON: what ran,
 * where and how long, and what `body` returned. Stops everything it started.
 */
export async function runRouterBench(
  benchmark: string,
  s: BenchSettings,
  cluster: (dir: string) => Partial<LoopbackClusterOptions>,
  body: (b: RouterBench) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  haproxyBin(); // before anything starts: says how to install it
  const dir = mkdtempSync(join(tmpdir(), `fha-bench-${benchmark}-`));
  const procs: ChildProcess[] = [];
  let c: LoopbackCluster | null = null;
  try {
    const { ttlMs, renewIntervalMs, renewDeadlineMs, pollMs, stopTimeoutMs } = LEASE_DEFAULTS;
    const opts = { ttlMs, renewIntervalMs, renewDeadlineMs, pollMs, stopTimeoutMs, ...cluster(dir) };
    const started = await startLoopbackCluster(1, {
      ...opts,
      password: BENCH_PASSWORD,
      quiet: true,
      prefix: `fha-bench-${benchmark}`,
    });
    c = started;
    const primary = await waitForPrimary(started.supervisors, 30_000);
    const figures = await body({
      dir,
      cluster: started,
      primary,
      haproxy: async (pemPath) => {
        const port = await freePort();
        const tlsPort = pemPath ? await freePort() : null;
        const proc = await startHaproxy(dir, {
          upstreamPort: primary.ports.internalPort,
          port,
          ...(pemPath && tlsPort !== null && { tls: { port: tlsPort, pemPath } }),
        });
        procs.push(proc);
        return { pid: proc.pid!, port, tlsPort };
      },
      measure: (paths, f) => atEachConcurrency(started, paths, s, f),
    });
    return {
      benchmark,
      machine: machine(),
      seconds: s.seconds,
      warmupSeconds: s.warmupSeconds,
      rounds: s.rounds,
      client: "faktory-worker PUSH, one pooled connection per concurrent client",
      ...figures,
    };
  } finally {
    for (const p of procs) p.kill("SIGKILL");
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every path, at 1 client and at s.concurrency, interleaved; `figures` turns the summaries into the JSON. */
async function atEachConcurrency<M extends string>(
  cluster: LoopbackCluster,
  paths: Readonly<Record<M, Path>>,
  s: BenchSettings,
  figures: (x: Record<M, Summary>) => Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const concurrency of [1, s.concurrency]) {
    const summaries = await interleaved(paths, {
      ...s,
      password: BENCH_PASSWORD,
      concurrency,
      queue: QUEUE,
      between: async () => {
        await cluster.redis.client.del(QUEUE);
        await sleep(200);
      },
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    out[`concurrency${concurrency}`] = { ...summaries, ...figures(summaries) };
  }
  return out;
}
