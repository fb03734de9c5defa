import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCALER, type ScalerReply, type UnknownReply } from "../../components/contract/scaler";
import {
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { client, sleep } from "./support/workload";

// Issue 17: the scaler endpoint KEDA's metrics-api trigger reads, on real supervisors and a real Faktory.
// Whichever pod the request lands on answers with the one primary's figures (a standby asks the primary), so
// nothing is counted twice; while no primary serves, every pod says "unknown" (503), never 0.
const PASSWORD = "e2e-scaler";
const QUEUES = { a: "s28-a", b: "s28-b", none: "s28-none" };
const JOBS = { a: 120, b: 45 };
const INTERVAL_MS = 500;

let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-s28",
    extraEnv: { FAKTORY_HA_METRICS_INTERVAL_MS: String(INTERVAL_MS) },
  });
});
afterAll(async () => {
  await cluster?.stop();
});

interface Asked {
  readonly status: number;
  readonly body: ScalerReply | UnknownReply | { error: string };
}

async function ask(s: SupervisorHandle, query: string): Promise<Asked> {
  const res = await fetch(`http://127.0.0.1:${s.ports.healthPort}${SCALER.path}?${query}`);
  return { status: res.status, body: (await res.json()) as Asked["body"] };
}

const both = `queues=${QUEUES.a},${QUEUES.b},${QUEUES.none}`;

/** Asks until the answer is known with the whole backlog (bounded). */
async function askUntilKnown(s: SupervisorHandle, backlog: number): Promise<ScalerReply> {
  const deadline = Date.now() + 15_000;
  let last: Asked | null = null;
  while (Date.now() < deadline) {
    last = await ask(s, both);
    if (last.status === 200 && (last.body as ScalerReply).backlog === backlog)
      return last.body as ScalerReply;
    await sleep(100);
  }
  throw new Error(`${s.id}: no known answer with backlog ${backlog} within 15 s: ${JSON.stringify(last)}`);
}

describe("scenario 28: the scaler endpoint", () => {
  it("every pod answers with the primary's figures; a bad query is refused with a message", async () => {
    const primary = await cluster.primary();
    const c = client(cluster.supervisors[1].ports.port, PASSWORD);
    const firstPush = Date.now();
    for (let i = 0; i < JOBS.a; i++) await c.push({ jobtype: "s28", queue: QUEUES.a, args: [i] });
    for (let i = 0; i < JOBS.b; i++) await c.push({ jobtype: "s28", queue: QUEUES.b, args: [i] });
    await c.close();
    await sleep(1_000);

    const answers = await Promise.all(cluster.supervisors.map((s) => askUntilKnown(s, JOBS.a + JOBS.b)));
    for (const a of answers) {
      expect(a.primary).toBe(primary.id);
      expect(a.epoch).toBe(answers[0].epoch);
      expect(a.queues[QUEUES.a].size).toBe(JOBS.a);
      expect(a.queues[QUEUES.b].size).toBe(JOBS.b);
      expect(a.queues[QUEUES.none]).toEqual({ size: 0, latencySeconds: 0 });
      // The age of the oldest job, when the primary last read it.
      expect(a.latencySeconds).toBeGreaterThan(0);
      expect(a.latencySeconds).toBeLessThanOrEqual((Date.now() - firstPush) / 1000);
      expect(a.ageMs).toBeLessThanOrEqual(SCALER.staleAfterIntervals * INTERVAL_MS);
    }

    // Served from the reading the primary takes every interval anyway: 20 quick polls see at most two readings
    // (the figures' age grows between reads and drops once at a new read).
    const ages: number[] = [];
    for (let i = 0; i < 20; i++) ages.push(((await ask(primary, both)).body as ScalerReply).ageMs);
    const drops = ages.filter((v, i) => i > 0 && v < ages[i - 1]).length;
    expect(drops, JSON.stringify(ages)).toBeLessThanOrEqual(1);

    expect(await ask(primary, "queues=a%20b")).toEqual({
      status: 400,
      body: { error: 'queues has "a b": allowed 1 to 100 of letters, digits, ".", "_", "-", ":"' },
    });
    expect(await ask(cluster.supervisors[2], "")).toEqual({
      status: 400,
      body: { error: "queues is required: comma-separated queue names" },
    });
    console.log("scenario 28 answer", JSON.stringify({ answer: answers[0], ages }));
  });

  it("while no primary serves, every pod says unknown (503), never 0; the new primary's answer has the same backlog", async () => {
    const primary = await waitForPrimary(cluster.supervisors, 20_000);
    const survivors = cluster.supervisors.filter((s) => s !== primary);
    const backlog = JOBS.a + JOBS.b;
    const t0 = Date.now();
    primary.signalGroup("SIGKILL");
    const seen: { ms: number; pod: string; status: number; backlog?: number; reason?: string }[] = [];
    let next: ScalerReply | null = null;
    while (Date.now() - t0 < 30_000 && !next) {
      for (const s of survivors) {
        const a = await ask(s, both).catch(() => null);
        if (!a) continue;
        const body = a.body as { backlog?: number; reason?: string; primary?: string };
        seen.push({
          ms: Date.now() - t0,
          pod: s.id,
          status: a.status,
          backlog: body.backlog,
          reason: body.reason,
        });
        if (a.status === 200 && body.primary !== primary.id) next = a.body as ScalerReply;
      }
      await sleep(100);
    }
    const unknowns = seen.filter((a) => a.status === 503);
    console.log(
      "scenario 28 failover",
      JSON.stringify({
        answers: seen.length,
        unknown: unknowns.length,
        firstKnownMs: seen.find((a) => a.status === 200)?.ms,
        reasons: [...new Set(unknowns.map((a) => a.reason?.replace(/\d+/g, "N")))],
      }),
    );
    expect(next, JSON.stringify(seen.slice(-5))).not.toBeNull();
    expect(next!.backlog).toBe(backlog);
    expect(next!.epoch).toBeGreaterThan(0);
    // The dead primary's lease lives for a ttl: the pods knew no serving primary for a while and said so.
    expect(unknowns.length).toBeGreaterThan(0);
    // Every answer was either unknown or the whole backlog: never a made-up 0.
    expect(seen.filter((a) => a.status === 200 && a.backlog !== backlog)).toEqual([]);
    expect(seen.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    await cluster.restart(primary);
  });
});
