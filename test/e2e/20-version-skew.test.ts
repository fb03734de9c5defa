import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPERVISOR_STRINGS } from "../../components/contract/supervisor";
import { PROTOCOL_VERSION } from "../../supervisor/src/protocol-version";
import {
  LEASE_DATABASE,
  releaseBundle,
  startLoopbackCluster,
  startSupervisor,
  supervisorBundle,
  waitForPrimary,
  withTimeout,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import { describeSupervisors } from "./support/routed-load";
import { audit, client, drain, Ledger, producer, sleep, worker, type Loop } from "./support/workload";

// Scenario 20: an upgrade is exactly when supervisors of two releases share one lease. The previous
// release is the last commit before the lease protocol carried a version (its values have no `v`, which
// this release reads as version 1); it is built from git into a bundle of its own. Pods of the two
// releases run side by side, each release under its own pod template revision, so a stopping primary
// names a standby of the other release as its successor (as in a rolling update): every planned handover
// crosses releases, alternately in each direction, under load through the routers of both releases.
// And a lease of a version this release does not read (a newer release's) is never acquired over or
// routed to, and is reported.
const PREVIOUS_RELEASE = "c91a1b6a60c3f764f59f1fb7d6c9230d7420a22a";
const PASSWORD = "skew";
const TTL = 3000;
const HANDOVERS = 6;

type Release = "previous" | "current";
const REVISION: Record<Release, string> = { previous: "release-a", current: "release-b" };

let cluster: LoopbackCluster;
const bundles = {} as Record<Release, string>;
/** Every supervisor started, with its release (replaced pods included: their Faktory lives count). */
const started = new Map<SupervisorHandle, Release>();

async function startPod(id: string, release: Release, ports?: SupervisorHandle["ports"]) {
  const sup = await startSupervisor(
    id,
    {
      ...cluster.options,
      bundle: bundles[release],
      extraEnv: { [SUPERVISOR_STRINGS.revision.env]: REVISION[release] },
    },
    ports,
  );
  started.set(sup, release);
  return sup;
}

/** Until the pod's health endpoint answers (its router listens by then), at most 10 s. */
async function answering(sup: SupervisorHandle): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await withTimeout(sup.status(), 500);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}

beforeAll(async () => {
  bundles.previous = releaseBundle(PREVIOUS_RELEASE);
  bundles.current = supervisorBundle();
  cluster = await startLoopbackCluster(0, { password: PASSWORD, quiet: true, prefix: "fha-s20", ttlMs: TTL });
  // The previous release's pod first, so it is the first primary.
  for (const [i, release] of (["previous", "current", "previous"] as const).entries()) {
    cluster.supervisors.push(await startPod(`sup-${i}`, release));
  }
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 20: supervisors of two releases share one lease", () => {
  it(`${HANDOVERS} planned handovers across releases, both directions, under load: one Faktory at a time, nothing lost`, async () => {
    await waitForPrimary(cluster.supervisors, 30_000);
    const ledger = new Ledger();
    const queue = "s20";
    const down = new Set<number>();
    const plain = cluster.supervisors.map((s) => client(s.ports.port, PASSWORD));
    const fetchers = cluster.supervisors.map((s, i) => client(s.ports.port, PASSWORD, `w-s20-${i}`));
    // A pod being replaced is out of the load balancer's targets, as the NLB deregisters it first.
    const up = (i: number) => !down.has(i);
    const loops: Loop[] = [
      producer(ledger, { clients: plain, up }, queue, {}, 5),
      worker(ledger, { clients: fetchers, up }, { clients: plain, up }, queue),
    ];
    const handovers: { from: string; to: string; gapMs: number }[] = [];
    let ok = false;
    try {
      await sleep(1000);
      for (let h = 0; h < HANDOVERS; h++) {
        const primary = await waitForPrimary(cluster.supervisors, 30_000);
        const i = cluster.supervisors.indexOf(primary);
        const release = started.get(primary)!;
        const term = (await primary.status()).epoch as number;
        down.add(i);
        await sleep(200);
        const stoppedAt = Date.now();
        primary.proc.kill("SIGTERM");
        await withTimeout(primary.exited, 20_000);
        const next = await waitForPrimary(
          cluster.supervisors.filter((s) => s !== primary),
          TTL * 3,
        );
        const nextTerm = (await next.status()).epoch as number;
        await sleep(500);
        handovers.push({
          from: `${release} ${primary.id}#${term}`,
          to: `${started.get(next)} ${next.id}#${nextTerm}`,
          gapMs: ledger.maxPushGap(stoppedAt, Date.now()),
        });
        // The pod comes back as the same release: the next handover goes the other way.
        cluster.supervisors[i] = await startPod(primary.id, release, primary.ports);
        await answering(cluster.supervisors[i]);
        down.delete(i);
        await sleep(1000);
      }
      await loops[0].stop();
      await drain(ledger, 4000, 20_000);
      await loops[1].stop();
      await Promise.all(
        [...plain, ...fetchers].map((c) => withTimeout(c.close(), 3000).catch(() => undefined)),
      );
      ok = true;
    } finally {
      if (!ok) {
        console.log("scenario 20 (failed)", await describeSupervisors(cluster.supervisors));
        await Promise.race([Promise.all(loops.map((l) => l.stop())), sleep(20_000)]);
      }
    }
    const result = await audit(ledger, cluster.redis.client, queue);
    const overlap = maxOverlapMs(faktoryLives([...started.keys()]));
    const crossing = handovers.map((x) => `${x.from.split(" ")[0]}→${x.to.split(" ")[0]}`);
    console.log(
      "scenario 20",
      JSON.stringify({
        previousRelease: PREVIOUS_RELEASE,
        handovers,
        crossing,
        maxOverlapMs: overlap,
        pushed: result.pushed,
        ran: result.ran,
        lost: result.lost.length,
        pending: result.pending,
        duplicates: result.duplicates,
        pushErrors: result.pushErrors,
      }),
    );
    expect(handovers).toHaveLength(HANDOVERS);
    // Each way at least twice (a named successor that misses its turn costs one crossing, not safety).
    expect(crossing.filter((c) => c === "previous→current").length).toBeGreaterThanOrEqual(2);
    expect(crossing.filter((c) => c === "current→previous").length).toBeGreaterThanOrEqual(2);
    expect(overlap).toBeLessThanOrEqual(0);
    expect(result.lost).toEqual([]);
    expect(result.duplicates).toBe(0);
    expect(result.ran + result.pending).toBe(result.pushed);
    expect(result.pushed).toBeGreaterThan(200);
  });

  it("a lease of a protocol version it does not read is never acquired over, and is reported", async () => {
    // The cluster's pods stop; a newer release's supervisor holds the lease (written as its release would).
    await Promise.all(
      cluster.supervisors.map((s) => (s.proc.kill("SIGTERM"), withTimeout(s.exited, 20_000))),
    );
    cluster.supervisors.length = 0;
    const leader = `${SUPERVISOR_STRINGS.keyPrefix.default}:leader`;
    const lease = cluster.redis.client.duplicate({ db: LEASE_DATABASE });
    const future = PROTOCOL_VERSION + 1;
    await lease.set(
      leader,
      JSON.stringify({ v: future, id: "sup-next", epoch: 99, addr: "127.0.0.1:1", web: "127.0.0.1:2" }),
      "PX",
      4 * TTL,
    );
    const sup = await startPod("sup-9", "current");
    cluster.supervisors.push(sup);
    const said = await sup.waitFor((e) => e.event === "protocol.foreign", 5_000);
    expect(said).toMatchObject({
      kind: "lease",
      version: String(future),
      holder: "sup-next",
      speaks: [1, PROTOCOL_VERSION],
      action: "not acquiring over it or routing to it while it exists; finish or roll back the upgrade",
    });
    await sleep(2 * TTL);
    expect(sup.events.filter((e) => e.event === "lease.acquired" || e.event === "faktory.spawned")).toEqual(
      [],
    );
    expect((await sup.status()).role).toBe("secondary");
    // Its holder is gone (rolled back): the key goes, and this release takes over without a guess.
    const deletedAt = Date.now();
    await lease.del(leader);
    lease.disconnect();
    const acquired = await sup.waitFor((e) => e.event === "lease.acquired", 5_000);
    const spawned = await sup.waitFor((e) => e.event === "faktory.spawned", 3 * TTL);
    console.log(
      "scenario 20 foreign",
      JSON.stringify({ acquiredMsAfterDelete: Number(acquired.at) - deletedAt, wait: acquired }),
    );
    // Nothing known of the predecessor: a full ttl between acquiring and starting Faktory.
    expect(acquired.bound).toBe("ttl");
    expect(Number(spawned.at) - Number(acquired.at)).toBeGreaterThanOrEqual(TTL - 50);
  });
});
