/**
 * What the router costs, as a ratio to the proxy users would otherwise pick: PUSH throughput, latency
 * and proxy CPU time per 10k commands, straight to Faktory's internal port, through the supervisor's
 * router, and through HAProxy (TCP mode, one thread) in front of the same Faktory. Measurements of the
 * three are interleaved round by round (rotating order) so they share the machine's noise.
 *
 *   npm run bench:router    # BENCH_ROUNDS (≥5), BENCH_SECONDS per measurement, BENCH_CONCURRENCY,
 *                           # BENCH_WARMUP_SECONDS (unrecorded, per path and concurrency)
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPrimary } from "../test/support/loopback";
import { haproxyBin, startHaproxy } from "./haproxy";
import {
  atEachConcurrency,
  benchHeader,
  benchSettings,
  ratios,
  startBenchCluster,
  type Path,
} from "./router-load";
import { round } from "./support";

const SETTINGS = benchSettings(process.env, 5);

async function main(): Promise<void> {
  haproxyBin(); // before anything starts: says how to install it
  const dir = mkdtempSync(join(tmpdir(), "fha-bench-router-"));
  const cluster = await startBenchCluster("fha-bench-router");
  let out = benchHeader("router", SETTINGS);
  let haproxy: ChildProcess | null = null;
  try {
    const sup = await waitForPrimary(cluster.supervisors, 30_000);
    const hpPort = await freePort();
    haproxy = await startHaproxy(dir, { upstreamPort: sup.ports.internalPort, port: hpPort });
    const paths: Record<"direct" | "router" | "haproxy", Path> = {
      direct: { port: sup.ports.internalPort, pid: null },
      router: { port: sup.ports.port, pid: sup.proc.pid! },
      haproxy: { port: hpPort, pid: haproxy.pid! },
    };
    const figures = await atEachConcurrency(
      cluster,
      paths,
      SETTINGS,
      ({ direct: d, router: r, haproxy: h }) => ({
        routerVsHaproxy: ratios(r, h),
        routerCost: {
          throughputPct: round((1 - r.jobsPerSec / d.jobsPerSec) * 100, 1),
          p50AddedMs: round(r.p50Ms - d.p50Ms),
          p99AddedMs: round(r.p99Ms - d.p99Ms),
        },
      }),
    );
    out = { ...out, ...figures };
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
