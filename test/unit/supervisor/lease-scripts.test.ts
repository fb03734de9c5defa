import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  leaseKeys,
  parseLeaseValue,
  splitHostPort,
  joinHostPort,
} from "../../../supervisor/src/lease-scripts";
import { RedisLease, redisOptions } from "../../../supervisor/src/redis-lease";
import { startRedis, sleep, type RunningRedis } from "../../../supervisor/dev/local-cluster";

// The Lua scripts run on a real redis-server: their compare-then-act semantics are the point.
let redis: RunningRedis;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-lease-"));
  redis = await startRedis(dir);
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function lease(id: string, prefix: string, ttlMs = 1000): RedisLease {
  return new RedisLease({
    redisUrl: redis.url,
    keyPrefix: prefix,
    id,
    addr: `${id}:17419`,
    webAddr: `${id}:17420`,
    ttlMs,
    commandTimeoutMs: 1000,
  });
}
async function pair(ttlMs = 1000) {
  const prefix = `t${++n}`;
  const a = lease("a", prefix, ttlMs);
  const b = lease("b", prefix, ttlMs);
  await a.connect();
  await b.connect();
  return { a, b, prefix, close: () => Promise.all([a.close(), b.close()]) };
}

describe("lease scripts on redis-server", () => {
  it("acquire stores id, addresses and a fresh epoch with the ttl, only when free", async () => {
    const { a, b, prefix, close } = await pair();
    const got = await a.acquire(1234);
    expect(got).toEqual({ epoch: 1, id: "a", addr: "a:17419", web: "a:17420", since: 1234 });
    expect(await b.acquire(1)).toBeNull();
    const pttl = await redis.client.pttl(leaseKeys(prefix).leader);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
    expect(await b.read()).toEqual(got);
    // A refused acquire does not burn an epoch.
    expect(await redis.client.get(leaseKeys(prefix).epoch)).toBe("1");
    await close();
  });

  it("epochs keep increasing across holders", async () => {
    const { a, b, close } = await pair();
    const first = (await a.acquire(0))!;
    expect(await a.release(first)).toBe(true);
    const second = (await b.acquire(0))!;
    expect(second.epoch).toBe(first.epoch + 1);
    await close();
  });

  it("renew extends only the holder's own term", async () => {
    const { a, b, prefix, close } = await pair(300);
    const mine = (await a.acquire(0))!;
    await sleep(150);
    expect(await a.renew(mine)).toBe(true);
    expect(await redis.client.pttl(leaseKeys(prefix).leader)).toBeGreaterThan(200);
    await sleep(400);
    expect(await a.read()).toBeNull();
    const theirs = (await b.acquire(0))!;
    // a's old term must not extend b's lease even though a "has" a value.
    expect(await a.renew(mine)).toBe(false);
    expect(await a.release(mine)).toBe(false);
    expect((await b.read())?.epoch).toBe(theirs.epoch);
    await close();
  });

  it("release deletes only our own value and announces it", async () => {
    const { a, b, prefix, close } = await pair();
    const sub = redis.client.duplicate();
    const messages: string[] = [];
    await sub.subscribe(leaseKeys(prefix).channel);
    sub.on("message", (_c, m) => messages.push(m));
    const mine = (await a.acquire(0))!;
    expect(await a.release(mine)).toBe(true);
    expect(await b.read()).toBeNull();
    expect(await a.release(mine)).toBe(false);
    await sleep(50);
    expect(messages).toEqual([JSON.stringify({ released: mine.epoch })]);
    sub.disconnect();
    await close();
  });

  it("fails (does not queue) when Redis is unreachable", async () => {
    const l = new RedisLease({
      redisUrl: "redis://127.0.0.1:1",
      keyPrefix: "x",
      id: "a",
      addr: "a:1",
      webAddr: "a:2",
      ttlMs: 1000,
      commandTimeoutMs: 200,
    });
    await l.connect();
    await expect(l.read()).rejects.toThrow();
    await l.close();
  });
});

describe("lease values and options", () => {
  it("parses only well-formed values", () => {
    expect(parseLeaseValue(null)).toBeNull();
    expect(parseLeaseValue("garbage")).toBeNull();
    expect(parseLeaseValue('{"epoch":"1","id":"a","addr":"x:1","web":"x:2"}')).toBeNull();
    expect(parseLeaseValue('{"epoch":3,"id":"a","addr":"x:1","web":"x:2"}')).toEqual({
      epoch: 3,
      id: "a",
      addr: "x:1",
      web: "x:2",
      since: 0,
    });
  });

  it("joins and splits IPv4, names and IPv6", () => {
    expect(joinHostPort("10.0.0.1", 17419)).toBe("10.0.0.1:17419");
    expect(joinHostPort("fd00::1", 17419)).toBe("[fd00::1]:17419");
    expect(splitHostPort("[fd00::1]:17419")).toEqual({ host: "fd00::1", port: 17419 });
    expect(splitHostPort("faktory-0.faktory:7419")).toEqual({ host: "faktory-0.faktory", port: 7419 });
    expect(() => splitHostPort("nope")).toThrow('bad address "nope"');
  });

  it("maps redis:// and rediss:// URLs to client options", () => {
    expect(redisOptions("redis://cache:6379", 500)).toMatchObject({ host: "cache", port: 6379, db: 0 });
    const tls = redisOptions("rediss://user:p%40ss@cache.example:6380/3", 500);
    expect(tls).toMatchObject({
      host: "cache.example",
      port: 6380,
      db: 3,
      username: "user",
      password: "p@ss",
      tls: { servername: "cache.example" },
      enableOfflineQueue: false,
      commandTimeout: 500,
    });
    expect(redisOptions("redis://:pw@cache", 500)).toMatchObject({ port: 6379, password: "pw" });
    expect(redisOptions("redis://:pw@cache", 500).tls).toBeUndefined();
  });
});
