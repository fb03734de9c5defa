/**
 * What the router costs: PUSH throughput and latency straight to Faktory's internal port vs through the
 * supervisor's public port (same Faktory, same Redis). Rounds alternate direct/router to share the noise.
 *
 *   npm run bench:router              # BENCH_ROUNDS (≥5), BENCH_SECONDS per measurement
 */
import { Client } from "faktory-worker";
import { startCluster, waitForPrimary } from "../supervisor/dev/local-cluster";
import { machine, median, quantile, quiet, round, sleep } from "./support";

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PASSWORD = "bench";

interface Measure {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(port: number, concurrency: number): Promise<Measure> {
  const clients = Array.from({ length: concurrency }, () =>
    quiet(new Client({ host: "127.0.0.1", port, password: PASSWORD, poolSize: 1 })),
  );
  // Warm up: connections and handshakes are not what we measure.
  await Promise.all(clients.map((c) => c.push({ jobtype: "bench", queue: "router", args: [] })));
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
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
  await Promise.all(clients.map((c) => c.close()));
  return { jobsPerSec: n / elapsed, p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99) };
}

function summary(ms: Measure[]) {
  return {
    jobsPerSec: round(median(ms.map((m) => m.jobsPerSec)), 0),
    p50Ms: round(median(ms.map((m) => m.p50Ms))),
    p99Ms: round(median(ms.map((m) => m.p99Ms))),
    perRound: ms.map((m) => ({
      jobsPerSec: round(m.jobsPerSec, 0),
      p50Ms: round(m.p50Ms),
      p99Ms: round(m.p99Ms),
    })),
  };
}

async function main(): Promise<void> {
  const cluster = await startCluster(1, { password: PASSWORD, quiet: true, prefix: "fha-bench-router" });
  const out: Record<string, unknown> = {
    benchmark: "router",
    machine: machine(),
    seconds: SECONDS,
    rounds: ROUNDS,
  };
  try {
    const sup = await waitForPrimary(cluster.supervisors, 30_000);
    for (const concurrency of [1, CONCURRENCY]) {
      const direct: Measure[] = [];
      const routed: Measure[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const order = i % 2 === 0 ? (["direct", "routed"] as const) : (["routed", "direct"] as const);
        for (const mode of order) {
          const m = await measure(mode === "direct" ? sup.ports.internalPort : sup.ports.port, concurrency);
          (mode === "direct" ? direct : routed).push(m);
          await cluster.redis.client.del("router");
          await sleep(200);
        }
        process.stderr.write(`concurrency ${concurrency} round ${i + 1} done\n`);
      }
      const d = summary(direct);
      const r = summary(routed);
      out[`concurrency${concurrency}`] = {
        direct: d,
        router: r,
        routerCost: {
          throughputPct: round((1 - r.jobsPerSec / d.jobsPerSec) * 100, 1),
          p50AddedMs: round(r.p50Ms - d.p50Ms),
          p99AddedMs: round(r.p99Ms - d.p99Ms),
        },
      };
    }
  } finally {
    await cluster.stop();
  }
  out.targets = { throughputPct: 10, p50AddedMs: 0.2 };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
