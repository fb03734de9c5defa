import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoopbackCluster, waitForPrimary, type LoopbackCluster } from "../support/loopback";
import { audit, client, drain, Ledger, producer, sleep, worker } from "./support/workload";

// Scenario 5: producers and workers through random routers while primaries are killed at random.
const PASSWORD = "e2e-secret";
const DURATION_MS = Number(process.env.CHAOS_DURATION_MS ?? 25_000);
let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s5", ttlMs: 3000 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 5: chaos", () => {
  it("every pushed job runs at least once or is still stored for a run; losses only inside Faktory's own FETCH at a SIGKILL", async () => {
    await cluster.primary();
    const ports = cluster.supervisors.map((s) => s.ports.port);
    const ledger = new Ledger();
    // Like an NLB with target health checks: clients only pick routers of pods that are up.
    const down = new Set<number>();
    const pool = (wid?: string) => ({
      clients: ports.map((p) => client(p, PASSWORD, wid)),
      up: (i: number) => !down.has(i),
    });
    const producers = [pool(), pool()];
    const workers = [pool("w-chaos-1"), pool("w-chaos-2")];
    const extra = { reserve_for: 60 };
    const loops = [
      // Paced so the workers keep up and the backlog drains within the test.
      producer(ledger, producers[0], "chaos", extra, 2),
      producer(ledger, producers[1], "chaos", extra, 2),
      worker(ledger, workers[0], workers[1], "chaos"),
      worker(ledger, workers[1], workers[0], "chaos"),
    ];
    const kills: { at: number; id: string; signal: string }[] = [];
    const killedAt: { at: number; signal: string }[] = [];
    const start = Date.now();
    while (Date.now() - start < DURATION_MS) {
      await sleep(2000 + Math.random() * 3000);
      const victim = await waitForPrimary(cluster.supervisors, 20_000);
      const signal = Math.random() < 0.5 ? "SIGTERM" : "SIGKILL";
      kills.push({ at: Date.now() - start, id: victim.id, signal });
      killedAt.push({ at: Date.now(), signal });
      const index = cluster.supervisors.indexOf(victim);
      down.add(index);
      if (signal === "SIGTERM") victim.proc.kill("SIGTERM");
      else victim.signalGroup("SIGKILL");
      await victim.exited;
      // Kubernetes restarts the pod: same name, same ports.
      await cluster.restart(victim);
      down.delete(index);
    }
    await waitForPrimary(cluster.supervisors, 20_000);
    await Promise.all(loops.slice(0, 2).map((l) => l.stop()));
    const drainStart = Date.now();
    const ranBefore = ledger.runs.size;
    await drain(ledger, 5000, 30_000);
    const drainMs = Date.now() - drainStart;
    const ranInDrain = ledger.runs.size - ranBefore;
    await Promise.all(loops.slice(2).map((l) => l.stop()));
    for (const c of [...producers, ...workers].flatMap((p) => p.clients))
      await c.close().catch(() => undefined);

    const result = await audit(ledger, cluster.redis.client, "chaos");
    const { duplicated, ...summary } = result;
    // OSS Faktory's FETCH is BRPOP, then ZADD of the reservation (manager/fetch.go): a job popped by a
    // FETCH in flight when its Faktory is SIGKILLed is gone, whatever runs around it. Such a loss shows
    // as a worker's FETCH failing right after a SIGKILL; nothing else may lose a job.
    const sigkills = killedAt.filter((k) => k.signal === "SIGKILL");
    const fetchesCutByKill = sigkills
      .map((k) => ledger.fetchErrors.filter((t) => t >= k.at && t <= k.at + 5000).length)
      .reduce((a, b) => a + b, 0);
    console.log(
      "scenario 5",
      JSON.stringify({
        durationMs: DURATION_MS,
        kills,
        ...summary,
        lost: result.lost.length,
        duplicatedJids: duplicated.length,
        lostDetail: result.lost.map((jid) => ({ jid, pushedAtMs: (ledger.pushed.get(jid) ?? 0) - start })),
        fetchesCutByKill,
        drainMs,
        ranInDrain,
      }),
    );
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(result.pushed).toBeGreaterThan(100);
    if (sigkills.length === 0) expect(result.lost).toEqual([]);
    expect(result.lost.length).toBeLessThanOrEqual(fetchesCutByKill);
    for (const jid of result.lost) {
      // It was queued before some SIGKILL, so a FETCH cut by that kill can have popped it.
      expect(sigkills.some((k) => (ledger.pushSent.get(jid) ?? Infinity) <= k.at)).toBe(true);
    }
    expect(result.ran + result.pending + result.lost.length).toBe(result.pushed);
  });
});
