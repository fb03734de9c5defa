import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import {
  clientsOn,
  startFailoverCluster,
  supervisorConnections,
  type FailoverCluster,
  type FailoverRecord,
  type FailoverVariant,
  type NodeClient,
} from "./support/redis-failover";
import { describeSupervisors, maxGapWithTail, routedLoad, waitSteadyPushes } from "./support/routed-load";
import { audit, jidsInRedis, sleep } from "./support/workload";

// Scenario 9: an ElastiCache-style failover of the Redis under a running cluster. Two real redis-servers
// (primary + replica) behind an endpoint that sends NEW connections to the current primary while open
// ones stay put; supervisors (and so Faktory) get the endpoint as REDIS_URL. Lease timings: ttl 3 s,
// renew 0.5 s, deadline 1.5 s (the loopback cluster's defaults). Faktory itself drops a connection that answers
// READONLY and reconnects; the supervisor must not stay on the demoted node either.
//
// Loss accounting. For every failover we snapshot the jobs (queue, reservations, retries, scheduled,
// dead) the new primary holds right after promotion — it takes no writes until the endpoint switches —
// and those the old primary holds with its writes paused just before demotion. A job that ends up
// missing (pushed OK, never run, nowhere in Redis) is "lost to replication" when the old primary held it
// and the new one never received it; any other missing job is a real loss and fails the test. No process
// is killed here, so Faktory's own FETCH window (DESIGN §3) does not apply. A job run twice is "re-run by
// replication" when the new primary still had it queued and it was first run before the demotion (its
// FETCH's pop happened on the old primary only).
const PASSWORD = "e2e-secret";
const TTL = 3000;
const ROUNDS = 3;
/** "PUSH works again within a few seconds": the longest PUSH gap around a failover, tail included. */
const PUSH_GAP_BOUND_MS = 2 * TTL;
/** "… and keeps working": this long without a PUSH error or a pause longer than STEADY_MAX_GAP_MS. */
const STEADY_MS = 5000;
const STEADY_MAX_GAP_MS = 1000;
/** How long after the endpoint switch we wait for that steady stretch. */
const OBSERVE_MAX_MS = 15_000;
/** How long after the switch supervisors may still have connections on the demoted node. */
const LEAVE_DEMOTED_MS = 10_000;

let cluster: FailoverCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

function summarize(conns: readonly NodeClient[]): string {
  const by = new Map<string, string[]>();
  for (const c of conns) by.set(c.owner, [...(by.get(c.owner) ?? []), `${c.name || "-"}/${c.cmd}`]);
  return [...by].map(([owner, list]) => `${owner}: ${list.length} (${list.join(", ")})`).join("; ");
}

interface Snapshot {
  readonly all: Set<string>;
  readonly queued: Set<string>;
}
async function snapshot(r: Redis, queue: string): Promise<Snapshot> {
  const held = await jidsInRedis(r, queue);
  return { all: new Set([...held.queued, ...held.working, ...held.other]), queued: held.queued };
}

interface Round {
  readonly record: FailoverRecord;
  /** The new primary's jobs right after promotion (it gets no writes before the endpoint switches). */
  readonly promoted: Snapshot;
  /** The old primary's jobs with its writes paused, just before it was demoted. */
  readonly demoted: Snapshot;
}

function scenario(variant: FailoverVariant, title: string): void {
  it(title, async () => {
    cluster = await startFailoverCluster(3, {
      password: PASSWORD,
      quiet: true,
      prefix: `fha-s9`,
      ttlMs: TTL,
    });
    const c = cluster;
    await c.primary();
    const queue = `s9-${variant}`;
    const l = routedLoad(queue, c.supervisors, PASSWORD);
    const rounds: Round[] = [];
    let finished = false;
    try {
      for (let r = 1; r <= ROUNDS; r++) {
        const leader = await c.primary(20_000);
        await sleep(1500);
        let promoted: Snapshot | null = null;
        let demoted: Snapshot | null = null;
        const record = await c.redis.failover(variant, {
          onPromoted: async (next) => void (promoted = await snapshot(next, queue)),
          beforeDemote: async (old) => void (demoted = await snapshot(old, queue)),
        });
        rounds.push({ record, promoted: promoted!, demoted: demoted! });

        // PUSH must work again, and keep working for STEADY_MS.
        const since = await waitSteadyPushes(
          l.ledger,
          record.switchedAt,
          STEADY_MS,
          STEADY_MAX_GAP_MS,
          record.switchedAt + OBSERVE_MAX_MS,
        );
        const observedUntil = Date.now();
        // No supervisor may stay on the demoted node.
        const demotedNode = c.redis.nodes.find((n) => n.name === record.from)!;
        let onDemoted = supervisorConnections(await clientsOn(demotedNode, c.redis.endpoint, c.supervisors));
        while (onDemoted.length && Date.now() - record.switchedAt < LEAVE_DEMOTED_MS) {
          await sleep(250);
          onDemoted = supervisorConnections(await clientsOn(demotedNode, c.redis.endpoint, c.supervisors));
        }
        const allOnDemoted = await clientsOn(demotedNode, c.redis.endpoint, c.supervisors);
        const pushGapMs = maxGapWithTail(l.ledger, record.startedAt - 500, observedUntil);
        let lastPush = 0;
        for (const t of l.ledger.pushed.values()) lastPush = Math.max(lastPush, t);
        const lastPushAfterSwitchMs = lastPush - record.switchedAt;
        const pushErrorsSinceSwitch = l.ledger.pushErrors.filter((e) => e.at >= record.switchedAt);
        const jobsNotReplicated = [...rounds[r - 1].demoted.all].filter((j) => !promoted!.all.has(j)).length;
        const figures = {
          scenario: "9 redis failover",
          variant,
          round: r,
          lease: leader.id,
          from: record.from,
          to: record.to,
          promotedToSwitchMs: record.switchedAt - record.promotedAt,
          discardedReplicationBytes: record.discardedBytes,
          jobsNotReplicated,
          pushGapMs,
          pushSteadyAfterSwitchMs: since === null ? null : since - record.switchedAt,
          lastPushAfterSwitchMs,
          pushErrorsSinceSwitch: pushErrorsSinceSwitch.length,
          supervisorConnectionsOnDemoted: onDemoted.length,
          faktoryConnectionsOnDemoted: allOnDemoted.filter((x) => x.owner.startsWith("faktory of ")).length,
          overlapMs: maxOverlapMs(faktoryLives(c.supervisors)),
        };
        console.log(JSON.stringify(figures));

        const problems: string[] = [];
        if (since === null || pushGapMs > PUSH_GAP_BOUND_MS) {
          problems.push(
            `PUSH did not work again within ${PUSH_GAP_BOUND_MS} ms and keep working for ${STEADY_MS} ms: ` +
              `longest PUSH gap ${pushGapMs} ms, last successful PUSH ${lastPushAfterSwitchMs} ms after the ` +
              `endpoint switch, ${pushErrorsSinceSwitch.length} PUSH errors since (first: ` +
              `${pushErrorsSinceSwitch[0]?.error ?? "none"}); supervisors: ${await describeSupervisors(c.supervisors)}`,
          );
        }
        if (onDemoted.length) {
          problems.push(
            `supervisors still connected to the demoted node ${record.from} ${LEAVE_DEMOTED_MS} ms after ` +
              `the switch: ${summarize(onDemoted)}`,
          );
        }
        if (figures.overlapMs > 0) problems.push(`two Faktory overlapped for ${figures.overlapMs} ms`);
        expect(problems, `${variant} round ${r}`).toEqual([]);
      }
      finished = true;
    } finally {
      if (!finished) {
        // The cluster may be wedged: stop everything before the loops, so no PUSH waits out a router hold.
        await c.stop();
        cluster = null;
        await l.halt();
      }
    }

    await l.stop();
    const primaryRedis = c.redis.primary().client;
    const result = await audit(l.ledger, primaryRedis, queue);
    // Lost to replication: held by the old primary when it was demoted, absent from the new primary.
    const notReplicated = new Set(
      rounds.flatMap((rd) => [...rd.demoted.all].filter((j) => !rd.promoted.all.has(j))),
    );
    const lostToReplication = result.lost.filter((j) => notReplicated.has(j));
    const realLoss = result.lost.filter((j) => !notReplicated.has(j));
    // Re-run because of replication: fetched from the old primary after the promotion snapshot, still queued
    // on the new one (the FETCH's pop was not replicated).
    const rerunByReplication = result.duplicated.filter((d) =>
      rounds.some((rd) => rd.promoted.queued.has(d.jid) && d.runs[0] <= rd.record.demotedAt + 500),
    );
    const otherDuplicates = result.duplicated.filter((d) => !rerunByReplication.includes(d));
    const lives = faktoryLives(c.supervisors);
    const summary = {
      scenario: "9 redis failover",
      variant,
      rounds: rounds.length,
      pushed: result.pushed,
      ran: result.ran,
      pending: result.pending,
      pendingWhere: result.pendingWhere,
      lostToReplication: lostToReplication.length,
      realLoss: realLoss.length,
      realLossPushedMsBeforeNearestSwitch: realLoss.map((j) =>
        Math.min(...rounds.map((rd) => rd.record.switchedAt - (l.ledger.pushed.get(j) ?? 0))),
      ),
      duplicates: result.duplicates,
      rerunByReplication: rerunByReplication.length,
      otherDuplicates: otherDuplicates.length,
      pushErrors: result.pushErrors,
      ackErrors: result.ackErrors,
      faktoryLives: lives.length,
      overlapMs: maxOverlapMs(lives),
      maxPushGapMs: Math.max(
        ...rounds.map((rd) =>
          l.ledger.maxPushGap(rd.record.startedAt - 500, rd.record.switchedAt + STEADY_MS),
        ),
      ),
    };
    console.log(JSON.stringify(summary));

    expect(summary.overlapMs, "two Faktory processes were alive at once").toBe(0);
    expect(realLoss, "jobs missing that replication does not explain").toEqual([]);
    expect(
      otherDuplicates.map((d) => d.jid),
      "jobs run twice that replication does not explain",
    ).toEqual([]);
    expect(result.ran + result.pending + result.lost.length).toBe(result.pushed);
    if (variant === "caught-up") {
      expect(lostToReplication, "a caught-up failover loses nothing").toEqual([]);
      expect(rerunByReplication.length, "a caught-up failover re-runs nothing").toBe(0);
    }
  });
}

describe("scenario 9: ElastiCache-style Redis failover under load", () => {
  scenario(
    "caught-up",
    `caught-up failover (replica at the primary's offset), ${ROUNDS} rounds: PUSH back within ${PUSH_GAP_BOUND_MS} ms, no supervisor left on the demoted node, no overlap, nothing lost`,
  );
  scenario(
    "lost-last-second",
    `failover that loses the last second of writes, ${ROUNDS} rounds: same, and only jobs the new primary never received are lost`,
  );
});
