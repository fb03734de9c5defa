import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoopbackCluster, waitForPrimary, type LoopbackCluster } from "../support/loopback";
import { client, jidsInRedis, sleep } from "./support/workload";

// Scenario 4: a job reserved on the old primary and ACKed after failover. The new primary loads all
// reservations from Redis at boot (manager/working.go loadWorkingSet), so it accepts the ACK.
const PASSWORD = "e2e-secret";
let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(2, { password: PASSWORD, quiet: true, prefix: "fha-s4", ttlMs: 3000 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 4: reservation survives failover", () => {
  it("an ACK sent to the new primary clears the old primary's reservation; the job does not run again", async () => {
    const old = await cluster.primary();
    const other = cluster.supervisors.find((s) => s !== old)!;
    const producer = client(other.ports.port, PASSWORD);
    const fetcher = client(old.ports.port, PASSWORD, "w-s4");
    const jid = await producer.push({ jobtype: "e2e", queue: "s4", args: [], reserve_for: 60 });
    const job = await fetcher.fetch("s4");
    expect(job?.jid).toBe(jid);
    expect((await jidsInRedis(cluster.redis.client, "s4")).working.has(jid)).toBe(true);

    // The primary pod dies while the worker is still busy with the job.
    await fetcher.close().catch(() => undefined);
    old.signalGroup("SIGKILL");
    await old.exited;
    const next = await waitForPrimary([other], 15_000);
    expect(next).toBe(other);

    const acker = client(other.ports.port, PASSWORD, "w-s4");
    expect(await acker.ack(jid)).toBe("OK");
    // Really accepted: the reservation is gone from Redis, and the job is nowhere to be run again.
    const held = await jidsInRedis(cluster.redis.client, "s4");
    expect(held.working.has(jid)).toBe(false);
    expect(held.queued.has(jid)).toBe(false);
    expect(held.other.has(jid)).toBe(false);
    const again = await acker.fetch("s4");
    expect(again).toBeNull();
    // The new primary's log says it had the reservation (no "No such job to acknowledge").
    await sleep(200);
    expect(other.output.some((l) => l.includes(`No such job to acknowledge ${jid}`))).toBe(false);
    await Promise.all([producer.close(), acker.close()]);
  });
});
