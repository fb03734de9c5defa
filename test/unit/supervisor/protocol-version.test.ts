// What supervisors write for each other carries a protocol version, and what a release does not read is
// never acted on: against a real redis-server, as the lease scripts run there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaseKeys, memberKey, parseLeaseValue } from "../../../supervisor/src/lease-scripts";
import type { LeaseEvent } from "../../../supervisor/src/lease-store";
import { foreignValue, PROTOCOL_VERSION, type ForeignValue } from "../../../supervisor/src/protocol-version";
import { RedisLease } from "../../../supervisor/src/redis-lease";
import { sleep, startRedis, type RunningRedis } from "../../support/loopback";

let redis: RunningRedis;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-protocol-"));
  redis = await startRedis(dir);
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function supervisor(id: string, prefix: string) {
  const foreign: ForeignValue[] = [];
  const lease = new RedisLease({
    redisUrl: redis.url,
    keyPrefix: prefix,
    database: 0,
    id,
    addr: `${id}:17419`,
    webAddr: `${id}:17420`,
    ttlMs: 5_000,
    fenceMs: 700,
    overrunMs: 0,
    commandTimeoutMs: 1_000,
    revision: "r2",
    onForeign: (v) => foreign.push(v),
  });
  await lease.connect();
  return { lease, foreign };
}

/** The lease value the release before the version field wrote (no `v`). */
const previousRelease = (id: string, epoch: number) =>
  JSON.stringify({ epoch, id, addr: `${id}:17419`, web: `${id}:17420`, since: 1, fence: 700, overrun: 0 });

describe("the lease protocol's version", () => {
  it("is written into the lease, every announcement and the presence key", async () => {
    const prefix = `p${++n}`;
    const { lease } = await supervisor("a", prefix);
    const heard: string[] = [];
    const sub = redis.client.duplicate();
    await sub.subscribe(leaseKeys(prefix).channel);
    sub.on("message", (_c: string, m: string) => heard.push(m));
    const acquired = (await lease.acquire(0))!;
    await lease.announce({ kind: "started", id: "a", epoch: acquired.lease.epoch });
    await lease.read();
    await sleep(100);
    expect(JSON.parse((await redis.client.get(leaseKeys(prefix).leader))!)).toMatchObject({
      v: PROTOCOL_VERSION,
    });
    expect(heard.map((m) => JSON.parse(m))).toEqual([
      { kind: "started", id: "a", epoch: 1, v: PROTOCOL_VERSION },
    ]);
    expect(JSON.parse((await redis.client.get(memberKey(prefix, "a")))!)).toMatchObject({
      v: PROTOCOL_VERSION,
    });
    sub.disconnect();
    await lease.close();
  });

  it("reads what the previous release wrote (no version): its lease, its announcements, its presence", async () => {
    const prefix = `p${++n}`;
    const { lease, foreign } = await supervisor("a", prefix);
    const events: LeaseEvent[] = [];
    lease.subscribe((e) => events.push(e));
    await sleep(100);
    await redis.client.set(leaseKeys(prefix).leader, previousRelease("old", 4), "PX", 5_000);
    await redis.client.set(
      memberKey(prefix, "old"),
      JSON.stringify({ id: "old", addr: "old:1", at: 1, revision: "r1" }),
    );
    await redis.client.publish(
      leaseKeys(prefix).channel,
      JSON.stringify({ kind: "stopped", id: "old", epoch: 4 }),
    );
    await sleep(100);
    expect(await lease.read()).toMatchObject({ lease: { id: "old", epoch: 4, fence: 700 } });
    expect(await lease.members()).toContainEqual({ id: "old", revision: "r1" });
    expect(events).toEqual([{ kind: "stopped", id: "old", epoch: 4 }]);
    expect(foreign).toEqual([]);
    await lease.close();
  });

  it("a lease of a version it does not read is someone's: read says whose and which, acquire is refused", async () => {
    const prefix = `p${++n}`;
    const { lease, foreign } = await supervisor("a", prefix);
    await redis.client.set(
      leaseKeys(prefix).leader,
      JSON.stringify({ v: 3, epoch: 5, id: "next", addr: "next:17419", web: "next:17420", meaning: "new" }),
      "PX",
      5_000,
    );
    const read = await lease.read();
    expect(read).toMatchObject({ foreign: { kind: "lease", version: "3", holder: "next" } });
    expect(read && "foreign" in read ? read.pttlMs : 0).toBeGreaterThan(4_000);
    expect(await lease.acquire(0)).toBeNull();
    expect(foreign).toEqual([{ kind: "lease", version: "3", holder: "next" }]);
    await lease.close();
  });

  it("ignores an announcement or a presence key of a version it does not read, and says so", async () => {
    const prefix = `p${++n}`;
    const { lease, foreign } = await supervisor("a", prefix);
    const events: LeaseEvent[] = [];
    lease.subscribe((e) => events.push(e));
    await sleep(100);
    // A "stopped" it would take as proof if it read it as its own kind.
    await redis.client.publish(
      leaseKeys(prefix).channel,
      JSON.stringify({ v: 3, kind: "stopped", id: "next", epoch: 5 }),
    );
    await redis.client.set(memberKey(prefix, "next"), JSON.stringify({ v: 3, id: "next", revision: "r3" }));
    await sleep(100);
    expect(events).toEqual([]);
    expect(await lease.members()).toEqual([]);
    expect(foreign).toEqual([
      { kind: "announcement", version: "3", holder: "next" },
      { kind: "member", version: "3", holder: "next" },
    ]);
    await lease.close();
  });

  it.each([
    ['{"v":"2","epoch":1,"id":"x","addr":"x:1","web":"x:2"}', '"2"'],
    ['{"v":0,"epoch":1,"id":"x","addr":"x:1","web":"x:2"}', "0"],
    ['{"v":null,"epoch":1,"id":"x","addr":"x:1","web":"x:2"}', "null"],
  ])("a version that is not one it reads is foreign, however it is spelt: %s", (raw, version) => {
    expect(parseLeaseValue(raw)).toBeNull();
    expect(foreignValue("lease", raw)).toEqual({ kind: "lease", version, holder: "x" });
  });

  it("what is not a JSON object is malformed, not foreign", () => {
    for (const raw of ["not json", "[1]", "3", "null"]) expect(foreignValue("lease", raw)).toBeNull();
  });
});
