/**
 * What the router costs, as a ratio to the proxy users would otherwise pick: PUSH throughput, latency
 * and proxy CPU time per 10k commands, straight to Faktory's internal port, through the supervisor's
 * router, and through HAProxy (TCP mode, one thread) in front of the same Faktory. Measurements of the
 * three are interleaved round by round (rotating order) so they share the machine's noise.
 *
 *   npm run bench:router    # BENCH_ROUNDS (≥5), BENCH_SECONDS per measurement, BENCH_CONCURRENCY,
 *                           # BENCH_WARMUP_SECONDS (unrecorded, per path and concurrency)
 */
import { benchSettings, ratios, runRouterBench, type Path } from "./router-load";
import { round } from "./support";

const SETTINGS = benchSettings(process.env, 5);

async function main(): Promise<void> {
  const out = await runRouterBench(
    "router",
    SETTINGS,
    () => ({}),
    async (b) => {
      const hp = await b.haproxy();
      const paths: Record<"direct" | "router" | "haproxy", Path> = {
        direct: { port: b.primary.ports.internalPort, pid: null },
        router: { port: b.primary.ports.port, pid: b.primary.proc.pid! },
        haproxy: { port: hp.port, pid: hp.pid },
      };
      return b.measure(paths, ({ direct: d, router: r, haproxy: h }) => ({
        routerVsHaproxy: ratios(r, h),
        routerCost: {
          throughputPct: round((1 - r.jobsPerSec / d.jobsPerSec) * 100, 1),
          p50AddedMs: round(r.p50Ms - d.p50Ms),
          p99AddedMs: round(r.p99Ms - d.p99Ms),
        },
      }));
    },
  );
  out.targets = { throughputRatioAtLeast: 0.95, cpuPerCommandRatioAtMost: 1.3 };
  out.note =
    "router CPU is the whole supervisor process (router thread + lease worker); HAProxy runs one thread";
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
