import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  sharedRedisEnv,
  startBareFaktory,
  startRedis,
  type BareFaktory,
  type RunningRedis,
} from "../support/loopback";
import { client, jidsInRedis, sleep } from "./support/workload";

// Scenario 1: the seed's design, reproduced — two Faktory servers active on one Redis (as two
// Enterprise servers sharing REDIS_URL), a worker FETCHing through one and ACKing through the other.
let dir: string;
let redis: RunningRedis;
const servers: BareFaktory[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s1-"));
  redis = await startRedis(dir);
  for (const name of ["a", "b"]) servers.push(await startBareFaktory(dir, name, sharedRedisEnv(redis)));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("scenario 1: two active Faktory servers on one Redis (the seed's failure)", () => {
  it("an ACK through the other server is answered OK but does nothing; at expiry the job is re-run or lost", async () => {
    const [a, b] = servers;
    const producer = client(a.port, undefined);
    const fetcher = client(a.port, undefined, "w-s1");
    const acker = client(b.port, undefined, "w-s1");
    const jids: string[] = [];
    for (let i = 0; i < 6; i++)
      jids.push(await producer.push({ jobtype: "e2e", queue: "s1", args: [i], reserve_for: 60 }));
    for (const jid of jids) {
      const job = await fetcher.fetch("s1");
      expect(job?.jid).toBe(jid);
      expect(await acker.ack(jid)).toBe("OK");
    }
    // Answered OK, yet every reservation is still in Redis: server b did not hold them.
    let held = await jidsInRedis(redis.client, "s1");
    for (const jid of jids) expect(held.working.has(jid)).toBe(true);
    expect(b.output.some((l) => l.includes(`No such job to acknowledge ${jids[0]}`))).toBe(true);

    // Reservations expire after 60 s (Faktory's minimum); both servers' reapers run every 15 s.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      held = await jidsInRedis(redis.client, "s1");
      if (jids.every((j) => !held.working.has(j))) break;
      await sleep(1000);
    }
    expect(jids.filter((j) => held.working.has(j))).toEqual([]);
    const outcome = jids.map((jid) => ({
      jid,
      result: held.other.has(jid) || held.queued.has(jid) ? "re-run (retry scheduled)" : "lost",
    }));
    const reRun = outcome.filter((o) => o.result !== "lost").length;
    const lost = outcome.length - reRun;
    // Faktory's own words for a lost job: the reaper that won the ZREM did not hold the reservation.
    const reaperErrors = [...a.output, ...b.output].filter((l) => l.includes("Job not found"));
    console.log("scenario 1", JSON.stringify({ jobs: jids.length, reRun, lost, outcome, reaperErrors }));
    if (lost > 0) expect(reaperErrors.length).toBeGreaterThan(0);
    // Either way the ACK did not take: no job simply finished.
    expect(reRun + lost).toBe(jids.length);
    for (const o of outcome) {
      if (o.result === "lost") {
        // Lost: not queued, not reserved, not retried, not dead.
        expect(held.queued.has(o.jid) || held.working.has(o.jid) || held.other.has(o.jid)).toBe(false);
      }
    }
    await Promise.all([producer.close(), fetcher.close(), acker.close()]);
  });
});
