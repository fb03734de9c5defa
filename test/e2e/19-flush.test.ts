import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoopbackCluster, withTimeout, type LoopbackCluster } from "../support/loopback";
import { leaseChangesSince, marksOf } from "./support/lease-changes";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import { maxGapWithTail, routedLoad } from "./support/routed-load";
import { audit, client, sleep } from "./support/workload";

// Scenario 19: Faktory's FLUSH (the web UI's "reset", or any authenticated client) under load. Faktory
// answers it with Redis's FLUSHDB on its own database; the lease must not be there, or every FLUSH costs
// a failover with the one-ttl fallback (the epoch counter goes with it). Three supervisors, producers and
// workers through every router; FLUSH sent through a router, as a client would.
const PASSWORD = "e2e-flush";
const TTL = 3000;
const ROUNDS = 5;
/** What a planned handover costs at most (its median is ≈ 0.5 s: bench/README.md). */
const HANDOVER_GAP_MS = 1500;

let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s19", ttlMs: TTL });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 19: FLUSH under load", () => {
  it(`${ROUNDS} FLUSHes through a router: no failover, PUSH pauses no longer than a planned handover, nothing pushed after it lost`, async () => {
    await cluster.primary();
    const queue = "s19";
    const load = routedLoad(queue, cluster.supervisors, PASSWORD, 10);
    const flusher = client(cluster.supervisors[1].ports.port, PASSWORD);
    const rounds: { flushMs: number; pushGapMs: number; leaseChanges: string[] }[] = [];
    let lastFlushAt = 0;
    try {
      await sleep(1000);
      for (let i = 0; i < ROUNDS; i++) {
        const marks = marksOf(cluster.supervisors);
        const t0 = Date.now();
        await withTimeout(flusher.flush(), 10_000);
        lastFlushAt = Date.now();
        await sleep(2 * TTL);
        rounds.push({
          flushMs: lastFlushAt - t0,
          pushGapMs: maxGapWithTail(load.ledger, t0, Date.now()),
          leaseChanges: leaseChangesSince(cluster.supervisors, marks),
        });
      }
      await load.stop();
    } catch (e) {
      await load.halt();
      throw e;
    } finally {
      await flusher.close().catch(() => undefined);
    }
    const result = await audit(load.ledger, cluster.redis.client, queue);
    // Jobs pushed before the last FLUSH may have been flushed: that is what FLUSH is for.
    const lostAfterFlush = result.lost.filter((j) => (load.ledger.pushed.get(j) ?? 0) > lastFlushAt);
    const figures = {
      rounds: rounds.length,
      pushGapMsMax: Math.max(...rounds.map((r) => r.pushGapMs)),
      pushGapsMs: rounds.map((r) => r.pushGapMs),
      leaseChanges: rounds.flatMap((r) => r.leaseChanges),
      overlapMs: maxOverlapMs(faktoryLives(cluster.supervisors)),
      pushed: result.pushed,
      lostAfterLastFlush: lostAfterFlush.length,
      pushErrors: result.pushErrors,
    };
    console.log("scenario 19", JSON.stringify(figures));

    expect(figures.leaseChanges, "a FLUSH moved the lease").toEqual([]);
    expect(figures.pushGapMsMax).toBeLessThanOrEqual(HANDOVER_GAP_MS);
    expect(figures.overlapMs).toBe(0);
    expect(lostAfterFlush).toEqual([]);
  });
});
