import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import {
  LEASE_DATABASE,
  startLoopbackCluster,
  waitForPrimary,
  withTimeout,
  type LoopbackCluster,
} from "../support/loopback";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import { audit, client, drain, Ledger, producer, sleep, worker, type Loop } from "./support/workload";

// Scenario 11: the lease vanishes from Redis under a running primary — what an ElastiCache failover that
// lost the last replicated write, a FLUSHALL or an operator's DEL looks like to the supervisors. Three
// real supervisors with real Faktory on one real Redis, producers and workers (faktory-worker) through
// every router. The new holder must not start Faktory until the old one has provably stopped: across
// all trials, no two Faktory processes are ever alive at once (from spawn to exit, as logged).
const PASSWORD = "lease-loss";
const TTL = 3000;
const PREFIX = "faktory-ha";
const TRIALS_PER_KIND = 7;
type Kind = "del-leader" | "del-lease-keys" | "stale-holder";
const KINDS: readonly Kind[] = ["del-leader", "del-lease-keys", "stale-holder"];

let cluster: LoopbackCluster;
/** A connection to the lease's own database (Faktory's data is in database 0). */
let leaseRedis: Redis;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s11", ttlMs: TTL });
  leaseRedis = cluster.redis.client.duplicate({ db: LEASE_DATABASE });
});
afterAll(async () => {
  leaseRedis?.disconnect();
  await cluster?.stop();
});

interface Term {
  id: string;
  epoch: number;
}

/** The current primary's term, read from a /status that says primary with a known epoch. */
async function primaryTerm(): Promise<Term> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const p = await waitForPrimary(cluster.supervisors, 30_000);
    const st = await withTimeout(p.status(), 2_000).catch(() => null);
    if (st?.role === "primary" && typeof st.epoch === "number") return { id: p.id, epoch: st.epoch };
    await sleep(50);
  }
  throw new Error("no primary with a known epoch within 30 s");
}

/** Waits for a ready primary of a term other than `old`. */
async function nextTerm(old: Term, timeoutMs: number): Promise<Term> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const t = await primaryTerm().catch(() => null);
    if (t && (t.id !== old.id || t.epoch !== old.epoch)) return t;
    await sleep(50);
  }
  throw new Error(`no new primary after losing the lease of ${old.id}@${old.epoch}`);
}

async function loseLease(kind: Kind, old: Term, n: number): Promise<void> {
  const r = leaseRedis;
  if (kind === "del-leader") await r.del(`${PREFIX}:leader`);
  else if (kind === "del-lease-keys") await r.del(`${PREFIX}:leader`, `${PREFIX}:epoch`);
  else {
    // An older value of a holder that no longer runs (a replica that missed the last writes).
    const stale = {
      epoch: Math.max(1, old.epoch - 1),
      id: `ghost-${n}`,
      addr: "127.0.0.1:9",
      web: "127.0.0.1:9",
    };
    await r.set(`${PREFIX}:leader`, JSON.stringify(stale), "PX", TTL, "XX");
  }
}

describe("scenario 11: the lease vanishes under a running primary", () => {
  it(`${KINDS.length * TRIALS_PER_KIND} trials (DEL of the lease, of lease and epoch counter, a stale holder): zero overlap, nothing lost`, async () => {
    const ledger = new Ledger();
    const clients = cluster.supervisors.flatMap((s, i) => [
      client(s.ports.port, PASSWORD),
      client(s.ports.port, PASSWORD, `w-s11-${i}`),
    ]);
    const producers = clients.filter((_, i) => i % 2 === 0);
    const workers = clients.filter((_, i) => i % 2 === 1);
    const loops: Loop[] = [
      producer(ledger, producers, "s11", {}, 5),
      producer(ledger, producers, "s11", {}, 5),
      worker(ledger, workers, workers, "s11"),
      worker(ledger, workers, workers, "s11"),
    ];
    const trials: { kind: Kind; from: Term; to: Term; takeoverMs: number; pushGapMs: number }[] = [];
    try {
      await primaryTerm();
      await sleep(1_000);
      for (let i = 0; i < TRIALS_PER_KIND * KINDS.length; i++) {
        const kind = KINDS[i % KINDS.length];
        const from = await primaryTerm();
        const t0 = Date.now();
        await loseLease(kind, from, i);
        const to = await nextTerm(from, 4 * TTL + 10_000);
        const takeoverMs = Date.now() - t0;
        await sleep(700);
        trials.push({ kind, from, to, takeoverMs, pushGapMs: ledger.maxPushGap(t0 - 100, Date.now()) });
      }
    } finally {
      await Promise.all(loops.slice(0, 2).map((l) => l.stop()));
      await drain(ledger, 4_000, 30_000);
      await Promise.all(loops.slice(2).map((l) => l.stop()));
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    }
    const result = await audit(ledger, cluster.redis.client, "s11");
    const lives = faktoryLives(cluster.supervisors);
    const overlap = maxOverlapMs(lives);
    const byKind = Object.fromEntries(
      KINDS.map((k) => {
        const ts = trials.filter((t) => t.kind === k);
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
        const med = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
        return [
          k,
          {
            trials: ts.length,
            takeoverMsMedian: med(ts.map((t) => t.takeoverMs)),
            takeoverMsMax: Math.max(...ts.map((t) => t.takeoverMs)),
            pushGapMsMedian: med(ts.map((t) => t.pushGapMs)),
            pushGapMsMax: Math.max(...ts.map((t) => t.pushGapMs)),
          },
        ];
      }),
    );
    console.log(
      "scenario 11",
      JSON.stringify({
        trials: trials.length,
        faktoryLives: lives.length,
        maxOverlapMs: overlap,
        byKind,
        pushed: result.pushed,
        ran: result.ran,
        lost: result.lost.length,
        duplicates: result.duplicates,
        pushErrors: result.pushErrors,
      }),
    );

    expect(trials).toHaveLength(KINDS.length * TRIALS_PER_KIND);
    // Every trial ended in a new term, and terms only move forward — also when the counter was lost.
    for (let i = 1; i < trials.length; i++)
      expect(trials[i].to.epoch).toBeGreaterThan(trials[i - 1].to.epoch);
    expect(lives.length).toBeGreaterThanOrEqual(trials.length);
    expect(overlap).toBeLessThanOrEqual(0);
    expect(result.lost).toEqual([]);
    expect(result.ran + result.pending).toBe(result.pushed);
  });
});
