import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greets } from "../../supervisor/src/faktory-process";
import {
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type LogEvent,
  type SupervisorHandle,
} from "../support/loopback";
import { audit, client, drain, Ledger, producer, sleep, worker, type Loop } from "./support/workload";

// Scenario 3: failover under load. Short lease timings (ttl 3 s, renew 0.5 s, deadline 1.5 s).
const PASSWORD = "e2e-secret";
const TTL = 3000;
let cluster: LoopbackCluster;

beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s3", ttlMs: TTL });
});
afterAll(async () => {
  await cluster?.stop();
});

function alive(): SupervisorHandle[] {
  return cluster.supervisors.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
}

interface Load {
  ledger: Ledger;
  stop(): Promise<void>;
}

/** Two producers and two workers, each through routers of pods other than `avoid`. */
function load(queue: string, via: SupervisorHandle[]): Load {
  const ledger = new Ledger();
  const clients = via.flatMap((s, i) => [
    client(s.ports.port, PASSWORD),
    client(s.ports.port, PASSWORD, `w-${queue}-${i}`),
  ]);
  const loops: Loop[] = [
    producer(ledger, clients[0], queue),
    producer(ledger, clients[2], queue),
    worker(ledger, clients[1], clients[3], queue),
    worker(ledger, clients[3], clients[1], queue),
  ];
  return {
    ledger,
    stop: async () => {
      await Promise.all(loops.slice(0, 2).map((l) => l.stop()));
      await drain(ledger, 4000, 20_000);
      await Promise.all(loops.slice(2).map((l) => l.stop()));
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    },
  };
}

function epochOf(e: LogEvent): number {
  return Number(e.epoch);
}

describe("scenario 3: failover", () => {
  it("planned (SIGTERM): a secondary takes over, PUSH never refused, nothing lost or re-run", async () => {
    const old = await cluster.primary();
    const oldEpoch = Number((await old.status()).epoch);
    const others = alive().filter((s) => s !== old);
    const l = load("s3a", others);
    await sleep(1000);
    const t0 = Date.now();
    old.proc.kill("SIGTERM");
    expect(await old.exited).toBe(0);
    const next = await waitForPrimary(others, 10_000);
    await sleep(1500);
    await l.stop();
    const result = await audit(l.ledger, cluster.redis.client, "s3a");
    const gapMs = l.ledger.maxPushGap(t0 - 200, t0 + 5000);
    console.log(
      "scenario 3 planned",
      JSON.stringify({ ...result, lost: result.lost.length, enqueueGapMs: gapMs }),
    );

    expect(next.id).not.toBe(old.id);
    expect(Number((await next.status()).epoch)).toBeGreaterThan(oldEpoch);
    // The old Faktory stopped before the lease was released.
    const stopped = old.events.find((e) => e.event === "faktory.stopped")!;
    const acquired = next.events.find((e) => e.event === "lease.acquired" && epochOf(e) > oldEpoch)!;
    expect(Number(stopped.at)).toBeLessThanOrEqual(Number(acquired.at));
    expect(result.pushErrors).toBe(0);
    expect(result.lost).toEqual([]);
    expect(result.duplicates).toBe(0);
    expect(result.ran + result.pending).toBe(result.pushed);
    // Producers kept going across the failover.
    expect([...l.ledger.pushed.values()].some((t) => t > t0 + gapMs)).toBe(true);
    await cluster.restart(old);
  });

  it("unplanned (SIGKILL of the pod): takeover after ttl, nothing lost but what Faktory's own FETCH drops", async () => {
    const old = await cluster.primary();
    const oldEpoch = Number((await old.status()).epoch);
    const others = alive().filter((s) => s !== old);
    const l = load("s3b", others);
    await sleep(800);
    const t0 = Date.now();
    old.signalGroup("SIGKILL");
    await old.exited;
    const next = await waitForPrimary(others, TTL + 10_000);
    const acquired = next.events.find((e) => e.event === "lease.acquired" && epochOf(e) > oldEpoch)!;
    await sleep(1500);
    await l.stop();
    const result = await audit(l.ledger, cluster.redis.client, "s3b");
    console.log(
      "scenario 3 kill",
      JSON.stringify({
        ...result,
        lost: result.lost.length,
        takeoverMs: Number(acquired.at) - t0,
        enqueueGapMs: l.ledger.maxPushGap(t0 - 200, t0 + TTL + 5000),
        fetchesCutByKill: l.ledger.fetchErrors.filter((t) => t >= t0).length,
        lostPushedMsBeforeKill: result.lost.map((j) => t0 - (l.ledger.pushed.get(j) ?? 0)),
      }),
    );
    // Not before the key expired: fencing relies on it.
    expect(Number(acquired.at) - t0).toBeGreaterThanOrEqual(TTL - 2 * 500 - 50);
    expect(await greets("127.0.0.1", old.ports.internalPort)).toBe(false);
    // OSS Faktory's FETCH is BRPOP then a separate ZADD (manager/fetch.go): a job popped by a FETCH the
    // kill cut in between is gone with any supervisor. That is the only loss allowed: no more than the
    // worker FETCHes that failed after the kill, and only of jobs queued before it.
    const cutFetches = l.ledger.fetchErrors.filter((t) => t >= t0).length;
    expect(result.lost.length).toBeLessThanOrEqual(cutFetches);
    for (const jid of result.lost) expect(l.ledger.pushSent.get(jid)!).toBeLessThanOrEqual(t0);
    expect(result.ran + result.pending + result.lost.length).toBe(result.pushed);
    await cluster.restart(old);
  });

  it("frozen node (SIGSTOP of supervisor + Faktory): takeover after ttl; on resume it stops Faktory before serving", async () => {
    const old = await cluster.primary();
    const oldEpoch = Number((await old.status()).epoch);
    const others = alive().filter((s) => s !== old);
    const l = load("s3c", others);
    // A client on the frozen pod's own router, as a producer that happened to connect there.
    const local = client(old.ports.port, PASSWORD);
    const firstJid = await local.push({ jobtype: "e2e", queue: "s3c", args: ["before"] });
    l.ledger.pushed.set(firstJid, Date.now());
    const before = (await old.status()).routers as { faktory: { commandsByEpoch: Record<string, number> } };
    await sleep(300);

    old.signalGroup("SIGSTOP");
    const frozenAt = Date.now();
    // Sent while frozen: must not be run by the old Faktory when it wakes up.
    const pending = local.push({ jobtype: "e2e", queue: "s3c", args: ["during"] });
    const next = await waitForPrimary(others, TTL + 10_000);
    const acquired = next.events.find((e) => e.event === "lease.acquired" && epochOf(e) > oldEpoch)!;
    const newEpoch = epochOf(acquired);
    await sleep(500);
    const resumeFrom = old.events.length;
    old.signalGroup("SIGCONT");
    const resumedAt = Date.now();
    const demoted = await old.waitFor((e) => e.event === "lease.demoted", 10_000, resumeFrom);
    const stopped = await old.waitFor((e) => e.event === "faktory.stopped", 10_000, resumeFrom);
    const duringJid = await pending;
    l.ledger.pushed.set(duringJid, Date.now());
    await sleep(1000);
    const after = (await old.status()).routers as { faktory: { commandsByEpoch: Record<string, number> } };
    await local.close();
    await l.stop();
    const result = await audit(l.ledger, cluster.redis.client, "s3c");
    console.log(
      "scenario 3 freeze",
      JSON.stringify({
        ...result,
        lost: result.lost.length,
        takeoverMs: Number(acquired.at) - frozenAt,
        demoteReason: demoted.reason,
        faktoryStoppedMsAfterResume: Number(stopped.at) - resumedAt,
        oldEpoch,
        newEpoch,
        frozenAt,
        resumedAt,
        firstErrors: [...l.ledger.pushErrors.slice(0, 3), ...l.ledger.ackErrors.slice(0, 3)],
      }),
    );

    expect(Number(acquired.at) - frozenAt).toBeGreaterThanOrEqual(TTL - 2 * 500 - 50);
    expect(["lost", "deadline"]).toContain(demoted.reason);
    expect(epochOf(demoted)).toBe(oldEpoch);
    // The frozen pod sent nothing more to its own Faktory after waking: the held PUSH went to the new primary.
    expect(after.faktory.commandsByEpoch[oldEpoch]).toBe(before.faktory.commandsByEpoch[oldEpoch]);
    expect(after.faktory.commandsByEpoch[newEpoch]).toBeGreaterThanOrEqual(1);
    expect(await greets("127.0.0.1", old.ports.internalPort)).toBe(false);
    expect(old.output.some((line) => line.includes("Faktory shutting down"))).toBe(true);
    expect((await old.status()).role).toBe("secondary");
    expect(result.lost).toEqual([]);
    expect(l.ledger.runs.get(duringJid) ?? 0).toBeGreaterThanOrEqual(1);
  });
});
