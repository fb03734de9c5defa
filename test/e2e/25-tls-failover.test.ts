import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greets } from "../../supervisor/src/faktory-process";
import {
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { podSecret, type Ca } from "../support/tls";
import { audit, client, drain, Ledger, producer, sleep, worker, type Loop } from "./support/workload";

// Scenario 25: scenario 3's planned and unplanned failovers with TLS required: clients on the TLS ports,
// the standbys' routers on the primary's peer TLS port, so every connection that moves to the new
// primary redoes its HELLO through a new peer TLS connection. Same timings as scenario 3 (ttl 3 s).
const PASSWORD = "tls-failover-pw";
const TTL = 3000;
let dir: string;
let ca: Ca;
let cluster: LoopbackCluster;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s25-"));
  const tls = podSecret(dir, { dns: ["faktory.failover.svc"], ips: ["127.0.0.1"] });
  ca = tls.ca;
  const secret = tls.secretDir;
  cluster = await startLoopbackCluster(3, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-s25",
    ttlMs: TTL,
    tls: { mode: "required", dir: secret },
  });
});
afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function alive(): SupervisorHandle[] {
  return cluster.supervisors.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
}

/** Two producers and two workers over TLS, through the routers of the given pods. */
function load(queue: string, via: SupervisorHandle[]) {
  const ledger = new Ledger();
  const tls = { ca: ca.cert };
  const clients = via.flatMap((s, i) => [
    client(s.ports.tls!.port, PASSWORD, undefined, tls),
    client(s.ports.tls!.port, PASSWORD, `w-${queue}-${i}`, tls),
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

describe("scenario 25: failover with TLS required", () => {
  it("planned (SIGTERM): the connections move over the peer TLS port; PUSH never refused, nothing lost or re-run", async () => {
    const old = await cluster.primary();
    const oldEpoch = Number((await old.status()).epoch);
    const others = alive().filter((s) => s !== old);
    const l = load("s25a", others);
    await sleep(1000);
    const t0 = Date.now();
    old.proc.kill("SIGTERM");
    expect(await old.exited).toBe(0);
    const next = await waitForPrimary(others, 10_000);
    await sleep(1500);
    await l.stop();
    const result = await audit(l.ledger, cluster.redis.client, "s25a");
    const gapMs = l.ledger.maxPushGap(t0 - 200, t0 + 5000);
    const migrated = await Promise.all(
      others.map(
        async (s) => ((await s.status()).routers as Record<string, { migrated: number }>).faktory.migrated,
      ),
    );
    console.log(
      JSON.stringify({
        scenario: "tls-failover-planned",
        pushed: result.pushed,
        ran: result.ran,
        lost: result.lost.length,
        duplicates: result.duplicates,
        enqueueGapMs: gapMs,
        migrated,
      }),
    );
    expect(Number((await next.status()).epoch)).toBeGreaterThan(oldEpoch);
    expect(result.pushErrors).toBe(0);
    expect(result.lost).toEqual([]);
    expect(result.duplicates).toBe(0);
    expect(result.ran + result.pending).toBe(result.pushed);
    // Idle connections of the router that now routes to a peer were moved, not closed.
    expect(migrated.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect([...l.ledger.pushed.values()].some((t) => t > t0 + gapMs)).toBe(true);
    await cluster.restart(old);
  });

  it("unplanned (SIGKILL of the pod): takeover after ttl, nothing lost but what Faktory's own FETCH drops", async () => {
    const old = await cluster.primary();
    const oldEpoch = Number((await old.status()).epoch);
    const others = alive().filter((s) => s !== old);
    const l = load("s25b", others);
    await sleep(800);
    const t0 = Date.now();
    old.signalGroup("SIGKILL");
    await old.exited;
    const next = await waitForPrimary(others, TTL + 10_000);
    const acquired = next.events.find((e) => e.event === "lease.acquired" && Number(e.epoch) > oldEpoch)!;
    await sleep(1500);
    await l.stop();
    const result = await audit(l.ledger, cluster.redis.client, "s25b");
    const cutFetches = l.ledger.fetchErrors.filter((t) => t >= t0).length;
    console.log(
      JSON.stringify({
        scenario: "tls-failover-kill",
        pushed: result.pushed,
        lost: result.lost.length,
        takeoverMs: Number(acquired.at) - t0,
        enqueueGapMs: l.ledger.maxPushGap(t0 - 200, t0 + TTL + 5000),
        fetchesCutByKill: cutFetches,
      }),
    );
    expect(await greets("127.0.0.1", old.ports.internalPort)).toBe(false);
    // As in scenario 3: the only loss allowed is a job popped by a FETCH the kill cut (OSS Faktory's
    // BRPOP then ZADD), queued before the kill.
    expect(result.lost.length).toBeLessThanOrEqual(cutFetches);
    for (const jid of result.lost) expect(l.ledger.pushSent.get(jid)!).toBeLessThanOrEqual(t0);
    expect(result.ran + result.pending + result.lost.length).toBe(result.pushed);
    await cluster.restart(old);
  });
});
