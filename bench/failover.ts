/**
 * Failover gaps under a PUSH loop, on this machine: planned (SIGTERM to the primary's supervisor) and
 * unplanned (SIGKILL of the primary pod's process group). Prints JSON: median and max over the rounds.
 *
 *   npm run bench:failover            # the contract's default timings (LEASE_DEFAULTS)
 *   BENCH_ROUNDS=5 BENCH_TTL_MS=3000 npm run bench:failover
 */
import { Client } from "faktory-worker";
import { LEASE_DEFAULTS } from "../components/contract/supervisor";
import {
  startLoopbackCluster,
  startSupervisor,
  waitForPrimary,
  type LoopbackCluster,
} from "../test/support/loopback";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { failoverSvg, type Episode } from "./failover-svg";
import { machine, median, quiet, sleep } from "./support";

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const TTL = Number(process.env.BENCH_TTL_MS ?? LEASE_DEFAULTS.ttlMs);
/** The contract's default timings, scaled to TTL (the defaults themselves at the default ttl). */
const scaled = (ms: number) => Math.round((ms * TTL) / LEASE_DEFAULTS.ttlMs);
const timings = {
  ttlMs: TTL,
  renewIntervalMs: scaled(LEASE_DEFAULTS.renewIntervalMs),
  renewDeadlineMs: scaled(LEASE_DEFAULTS.renewDeadlineMs),
  pollMs: scaled(LEASE_DEFAULTS.pollMs),
  stopTimeoutMs: scaled(LEASE_DEFAULTS.stopTimeoutMs),
};
const PASSWORD = "bench";
/**
 * The project's targets (bench/README.md), not lease timings: a planned failover's enqueue gap, and how
 * far past the ttl an unplanned one's may reach.
 */
const PLANNED_GAP_TARGET_MS = 2_000;
const UNPLANNED_GAP_PAST_TTL_TARGET_MS = 2_000;

interface Round {
  gapMs: number;
  refusedPush: number;
  takeoverMs: number;
  readyMs: number;
}

/** Every PUSH of a round, for the picture (not the JSON). */
const episodes: Record<string, Episode[]> = { planned: [], unplanned: [] };

async function oneRound(cluster: LoopbackCluster, kind: "planned" | "unplanned"): Promise<Round> {
  const victim = await waitForPrimary(cluster.supervisors, 60_000);
  const others = cluster.supervisors.filter((s) => s !== victim);
  const clients = others.map((s) =>
    quiet(new Client({ host: "127.0.0.1", port: s.ports.port, password: PASSWORD, poolSize: 1 })),
  );
  const done: number[] = [];
  const pushes: { end: number; latencyMs: number }[] = [];
  let refused = 0;
  let running = true;
  const loops = clients.map(async (c) => {
    while (running) {
      try {
        const start = performance.now();
        await c.push({ jobtype: "bench", queue: "failover", args: [] });
        done.push(Date.now());
        pushes.push({ end: Date.now(), latencyMs: performance.now() - start });
      } catch {
        refused++;
        await sleep(5);
      }
    }
  });
  await sleep(500);
  const t0 = Date.now();
  if (kind === "planned") victim.proc.kill("SIGTERM");
  else victim.signalGroup("SIGKILL");
  await victim.exited;
  const next = await waitForPrimary(others, TTL * 3 + 10_000);
  const acquired = next.events.find((e) => e.event === "lease.acquired" && Number(e.at) >= t0);
  const ready = next.events.find((e) => e.event === "faktory.ready" && Number(e.at) >= t0);
  await sleep(800);
  running = false;
  await Promise.all(loops);
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  const times = done.filter((t) => t >= t0 - 200).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  await cluster.redis.client.del("failover");
  const fresh = await startSupervisor(victim.id, cluster.options, victim.ports);
  cluster.supervisors[cluster.supervisors.indexOf(victim)] = fresh;
  const round = {
    gapMs: gap,
    refusedPush: refused,
    takeoverMs: acquired ? Number(acquired.at) - t0 : NaN,
    readyMs: ready ? Number(ready.at) - t0 : NaN,
  };
  episodes[kind].push({
    pushes: pushes.map((p) => ({ at: p.end - t0, latencyMs: p.latencyMs })),
    takeoverMs: round.takeoverMs,
    readyMs: round.readyMs,
  });
  return round;
}

function summarize(rounds: Round[]) {
  const pick = (k: keyof Round) => rounds.map((r) => r[k]);
  return {
    rounds: rounds.length,
    gapMs: { median: median(pick("gapMs")), max: Math.max(...pick("gapMs")) },
    refusedPush: {
      total: pick("refusedPush").reduce((a, b) => a + b, 0),
      max: Math.max(...pick("refusedPush")),
    },
    takeoverMs: { median: median(pick("takeoverMs")), max: Math.max(...pick("takeoverMs")) },
    faktoryReadyMs: { median: median(pick("readyMs")), max: Math.max(...pick("readyMs")) },
    perRound: rounds,
  };
}

async function main(): Promise<void> {
  const cluster = await startLoopbackCluster(3, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-bench-failover",
    ...timings,
  });
  const results: Record<string, Round[]> = { planned: [], unplanned: [] };
  try {
    for (const kind of ["planned", "unplanned"] as const) {
      for (let i = 0; i < ROUNDS; i++) {
        results[kind].push(await oneRound(cluster, kind));
        process.stderr.write(`${kind} round ${i + 1}: ${JSON.stringify(results[kind].at(-1))}\n`);
      }
    }
  } finally {
    await cluster.stop();
  }
  const out = {
    benchmark: "failover",
    machine: machine(),
    timings,
    workload: "2 producers, PUSH in a loop through the routers of the two pods that are not killed",
    gapDefinition: "longest time between two successful PUSH completions from 200 ms before the kill",
    planned: summarize(results.planned),
    unplanned: summarize(results.unplanned),
    targets: {
      plannedGapMs: PLANNED_GAP_TARGET_MS,
      plannedRefused: 0,
      unplannedGapMs: TTL + UNPLANNED_GAP_PAST_TTL_TARGET_MS,
    },
  };
  const json = JSON.stringify(out, null, 2) + "\n";
  process.stdout.write(json);
  // The JSON and its picture, side by side (BENCH_OUT_DIR, default bench/results).
  const dir = process.env.BENCH_OUT_DIR ?? join(__dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "failover.json"), json);
  const svg = failoverSvg(
    [
      { title: `Planned failover (SIGTERM of the primary), ${ROUNDS} rounds`, episodes: episodes.planned },
      {
        title: `Unplanned failover (SIGKILL of the primary pod), ${ROUNDS} rounds`,
        episodes: episodes.unplanned,
      },
    ],
    `ttl ${TTL} ms, renew ${timings.renewIntervalMs} ms, deadline ${timings.renewDeadlineMs} ms, stop ${timings.stopTimeoutMs} ms; ` +
      `2 producers through the routers of the surviving pods; ${String((out.machine as { cpu?: string }).cpu)}, ${String((out.machine as { cores?: number }).cores)} cores`,
  );
  writeFileSync(join(dir, "failover.svg"), svg);
  process.stderr.write(`wrote ${join(dir, "failover.json")} and ${join(dir, "failover.svg")}\n`);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
