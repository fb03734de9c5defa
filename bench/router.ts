/**
 * What the router costs, as a ratio to the proxy users would otherwise pick: PUSH throughput, latency
 * and proxy CPU time per 10k commands, straight to Faktory's internal port, through the supervisor's
 * router, and through HAProxy (TCP mode, one thread) in front of the same Faktory. Measurements of the
 * three are interleaved round by round (rotating order) so they share the machine's noise.
 *
 *   npm run bench:router    # BENCH_ROUNDS (≥5), BENCH_SECONDS per measurement, BENCH_CONCURRENCY,
 *                           # BENCH_WARMUP_SECONDS (unrecorded, per path and concurrency)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "faktory-worker";
import { LEASE_DEFAULTS } from "../components/contract/supervisor";
import { freePort, startLoopbackCluster, waitForPrimary } from "../test/support/loopback";
import { greets } from "../supervisor/src/faktory-process";
import { machine, median, quantile, quiet, round, sleep } from "./support";

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Unrecorded load through each path first: the router's JIT warms up (HAProxy has none to warm). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const PASSWORD = "bench";
const MODES = ["direct", "router", "haproxy"] as const;
type Mode = (typeof MODES)[number];

interface Measure {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds the proxy process spent per 10,000 commands (null for direct). */
  cpuPer10k: number | null;
}

/** User + system CPU seconds of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function measure(
  port: number,
  concurrency: number,
  proxyPid: number | null,
  seconds = SECONDS,
): Promise<Measure> {
  const clients = Array.from({ length: concurrency }, () =>
    quiet(new Client({ host: "127.0.0.1", port, password: PASSWORD, poolSize: 1 })),
  );
  // Warm up: connections and handshakes are not what we measure.
  await Promise.all(clients.map((c) => c.push({ jobtype: "bench", queue: "router", args: [] })));
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const cpu0 = proxyPid ? cpuSeconds(proxyPid) : 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const s = performance.now();
        await c.push({ jobtype: "bench", queue: "router", args: [] });
        lat.push(performance.now() - s);
        n++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = proxyPid ? cpuSeconds(proxyPid) - cpu0 : 0;
  await Promise.all(clients.map((c) => c.close()));
  return {
    jobsPerSec: n / elapsed,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    cpuPer10k: proxyPid ? (cpu / n) * 10_000 : null,
  };
}

function summary(ms: Measure[]) {
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

/** HAProxy in TCP mode with one thread, relaying to Faktory's internal port. */
async function startHaproxy(
  dir: string,
  upstreamPort: number,
): Promise<{ port: number; proc: ChildProcess }> {
  const bin = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" }).stdout.trim();
  if (!bin)
    throw new Error("haproxy not found: install the Debian package haproxy (apt-get install haproxy)");
  const port = await freePort();
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  nbthread 1",
      "  maxconn 4096",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 5m",
      "  timeout server 5m",
      "listen faktory",
      `  bind 127.0.0.1:${port}`,
      `  server faktory 127.0.0.1:${upstreamPort}`,
      "",
    ].join("\n"),
  );
  const proc = spawn(bin, ["-db", "-f", cfg], { stdio: "ignore" });
  for (let i = 0; !(await greets("127.0.0.1", port)); i++) {
    if (i > 100) throw new Error("haproxy did not start");
    await sleep(50);
  }
  return { port, proc };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fha-bench-router-"));
  // The production lease timings (the contract's defaults), not the quick test ones: the supervisor's
  // CPU, measured as a whole, includes its lease worker, which renews every 450 ms with the latter.
  const { ttlMs, renewIntervalMs, renewDeadlineMs, pollMs, stopTimeoutMs } = LEASE_DEFAULTS;
  const cluster = await startLoopbackCluster(1, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-bench-router",
    ttlMs,
    renewIntervalMs,
    renewDeadlineMs,
    pollMs,
    stopTimeoutMs,
  });
  const out: Record<string, unknown> = {
    benchmark: "router",
    machine: machine(),
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    rounds: ROUNDS,
    client: "faktory-worker PUSH, one pooled connection per concurrent client",
  };
  let haproxy: ChildProcess | null = null;
  try {
    const sup = await waitForPrimary(cluster.supervisors, 30_000);
    const hp = await startHaproxy(dir, sup.ports.internalPort);
    haproxy = hp.proc;
    const target: Record<Mode, { port: number; pid: number | null }> = {
      direct: { port: sup.ports.internalPort, pid: null },
      router: { port: sup.ports.port, pid: sup.proc.pid! },
      haproxy: { port: hp.port, pid: hp.proc.pid! },
    };
    for (const concurrency of [1, CONCURRENCY]) {
      const results: Record<Mode, Measure[]> = { direct: [], router: [], haproxy: [] };
      if (WARMUP_SECONDS > 0)
        for (const mode of MODES) await measure(target[mode].port, concurrency, null, WARMUP_SECONDS);
      for (let i = 0; i < ROUNDS; i++) {
        const order = MODES.map((_, k) => MODES[(i + k) % MODES.length]);
        for (const mode of order) {
          results[mode].push(await measure(target[mode].port, concurrency, target[mode].pid));
          await cluster.redis.client.del("router");
          await sleep(200);
        }
        process.stderr.write(`concurrency ${concurrency} round ${i + 1} done\n`);
      }
      const [d, r, h] = MODES.map((m) => summary(results[m]));
      out[`concurrency${concurrency}`] = {
        direct: d,
        router: r,
        haproxy: h,
        routerVsHaproxy: {
          throughputRatio: round(r.jobsPerSec / h.jobsPerSec),
          p50Ratio: round(r.p50Ms / h.p50Ms),
          p99Ratio: round(r.p99Ms / h.p99Ms),
          cpuPerCommandRatio:
            r.cpuSecondsPer10kCommands && h.cpuSecondsPer10kCommands
              ? round(r.cpuSecondsPer10kCommands / h.cpuSecondsPer10kCommands)
              : null,
        },
        routerCost: {
          throughputPct: round((1 - r.jobsPerSec / d.jobsPerSec) * 100, 1),
          p50AddedMs: round(r.p50Ms - d.p50Ms),
          p99AddedMs: round(r.p99Ms - d.p99Ms),
        },
      };
    }
  } finally {
    haproxy?.kill("SIGKILL");
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  out.targets = { throughputRatioAtLeast: 0.95, cpuPerCommandRatioAtMost: 1.3 };
  out.note =
    "router CPU is the whole supervisor process (router thread + lease worker); HAProxy runs one thread";
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
