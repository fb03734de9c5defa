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
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Redis } from "ioredis";
import type { ForeignLease, LeaseEvent, Observed } from "../../../supervisor/src/lease-store";
import { RedisLease, redisOptions } from "../../../supervisor/src/redis-lease";
import { freePort, redisServerBin, startRedis, sleep, type RunningRedis } from "../../support/loopback";

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

/** A read that found a lease this release reads (fails the test on a foreign one). */
function understood(read: Observed | ForeignLease | null): Observed | null {
  if (read && "foreign" in read) throw new Error(`unexpected foreign lease ${JSON.stringify(read)}`);
  return read;
}

let n = 0;
function lease(id: string, prefix: string, ttlMs = 1000, url = redis.url, podUid?: string): RedisLease {
  return new RedisLease({
    ...(podUid !== undefined ? { podUid } : {}),
    redisUrl: url,
    keyPrefix: prefix,
    database: 0,
    id,
    addr: `${id}:17419`,
    webAddr: `${id}:17420`,
    ttlMs,
    fenceMs: 700,
    overrunMs: 0,
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
  it("acquire stores id, addresses, fence and a fresh epoch with the ttl, only when free", async () => {
    const { a, b, prefix, close } = await pair();
    const got = (await a.acquire(0))!;
    expect(got).toMatchObject({
      counter: 1,
      lease: { epoch: 1, id: "a", addr: "a:17419", web: "a:17420", fence: 700, overrun: 0 },
    });
    expect(Math.abs(got.lease.since - Date.now())).toBeLessThan(5_000);
    expect(await b.acquire(0)).toBeNull();
    const pttl = await redis.client.pttl(leaseKeys(prefix).leader);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
    const seen = understood(await b.read())!;
    expect(seen.lease).toEqual(got.lease);
    expect(seen.pttlMs).toBeGreaterThan(0);
    expect(seen.pttlMs).toBeLessThanOrEqual(1000);
    // A refused acquire does not burn an epoch.
    expect(await redis.client.get(leaseKeys(prefix).epoch)).toBe("1");
    await close();
  });

  it("announces the peer TLS and health addresses only when there are some (a lease without them keeps its fields)", async () => {
    const prefix = `t${++n}`;
    const plain = lease("a", prefix);
    await plain.connect();
    await plain.acquire(0);
    const raw = JSON.parse((await redis.client.get(leaseKeys(prefix).leader))!) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(["addr", "epoch", "fence", "id", "overrun", "since", "v", "web"]);
    await plain.close();

    const tlsPrefix = `t${++n}`;
    const withPeer = new RedisLease({
      redisUrl: redis.url,
      keyPrefix: tlsPrefix,
      database: 0,
      id: "b",
      addr: "b:17419",
      webAddr: "b:17420",
      peerAddr: "b:17429",
      healthAddr: "b:7421",
      ttlMs: 1000,
      fenceMs: 700,
      overrunMs: 0,
      commandTimeoutMs: 1000,
    });
    await withPeer.connect();
    const got = (await withPeer.acquire(0))!;
    expect(got.lease).toMatchObject({
      id: "b",
      addr: "b:17419",
      web: "b:17420",
      peer: "b:17429",
      health: "b:7421",
    });
    expect(parseLeaseValue(await redis.client.get(leaseKeys(tlsPrefix).leader))).toEqual(got.lease);
    await withPeer.close();
  });

  it("acquire writes the holder's pod UID into the lease when it has one, and leaves it out otherwise", async () => {
    const prefix = `t${++n}`;
    const uid = "3f0e4c52-9d1a-4f3e-8c7b-2a6d5e9f1b04";
    const withUid = lease("a", prefix, 1000, redis.url, uid);
    const without = lease("b", prefix, 1000, redis.url, "");
    await withUid.connect();
    await without.connect();
    const got = (await withUid.acquire(0))!;
    expect(got.lease.uid).toBe(uid);
    expect(JSON.parse((await redis.client.get(leaseKeys(prefix).leader))!)).toMatchObject({ id: "a", uid });
    expect(understood(await without.read())!.lease.uid).toBe(uid);
    await withUid.release(got.lease);
    const plain = (await without.acquire(0))!;
    expect(plain.lease).not.toHaveProperty("uid");
    expect(JSON.parse((await redis.client.get(leaseKeys(prefix).leader))!)).not.toHaveProperty("uid");
    await Promise.all([withUid.close(), without.close()]);
  });

  it("epochs keep increasing across holders, and past a lost counter", async () => {
    const { a, b, prefix, close } = await pair();
    const first = (await a.acquire(0))!;
    expect(await a.release(first.lease)).toBe(true);
    const second = (await b.acquire(first.lease.epoch))!;
    expect(second).toMatchObject({ counter: 2, lease: { epoch: 2 } });
    expect(await b.release(second.lease)).toBe(true);
    // FLUSHALL-like loss: the counter restarts at 1, but the caller has seen epoch 2.
    await redis.client.del(leaseKeys(prefix).epoch);
    const third = (await a.acquire(2))!;
    expect(third).toMatchObject({ counter: 1, lease: { epoch: 3 } });
    expect(await redis.client.get(leaseKeys(prefix).epoch)).toBe("3");
    await close();
  });

  it("acquire reports how long Redis has been on its replication history; a new history starts at 0", async () => {
    const { a, b, prefix, close } = await pair();
    const keys = leaseKeys(prefix);
    expect((await a.acquire(0))!.historyAgeMs).toBe(0); // first look: the history starts now
    const [id, since] = (await redis.client.get(keys.history))!.split(" ");
    const info = String(await redis.client.call("INFO", "replication"));
    expect(info).toContain(`master_replid:${id}`);
    await a.release(understood(await a.read())!.lease);
    await sleep(120);
    const later = (await b.acquire(1))!;
    expect(later.historyAgeMs).toBeGreaterThanOrEqual(100);
    await b.release(later.lease);
    // Keys that came from another history (a promoted replica's copy, a restored snapshot).
    await redis.client.set(keys.history, `0123456789abcdef ${since}`);
    expect((await a.acquire(2))!.historyAgeMs).toBe(0);
    expect((await redis.client.get(keys.history))!.split(" ")[0]).toBe(id);
    await close();
  });

  it("renew extends only the holder's own term", async () => {
    const { a, b, prefix, close } = await pair(300);
    const mine = (await a.acquire(0))!.lease;
    await sleep(150);
    expect(await a.renew(mine)).toBe(true);
    expect(await redis.client.pttl(leaseKeys(prefix).leader)).toBeGreaterThan(200);
    await sleep(400);
    expect(await a.read()).toBeNull();
    const theirs = (await b.acquire(mine.epoch))!.lease;
    // a's old term must not extend b's lease even though a "has" a value.
    expect(await a.renew(mine)).toBe(false);
    expect(await a.release(mine)).toBe(false);
    expect(understood(await b.read())?.lease.epoch).toBe(theirs.epoch);
    await close();
  });

  it("release deletes only our own value; announcements reach every subscriber", async () => {
    const { a, b, close } = await pair();
    const seen: LeaseEvent[] = [];
    b.subscribe((e) => seen.push(e));
    await sleep(100);
    const mine = (await a.acquire(0))!.lease;
    expect(await a.release(mine)).toBe(true);
    expect(await b.read()).toBeNull();
    expect(await a.release(mine)).toBe(false);
    await a.announce({ kind: "stopped", id: "a", epoch: mine.epoch });
    await redis.client.publish(`t${n}:events`, "not json");
    await sleep(100);
    expect(seen).toEqual([{ kind: "stopped", id: "a", epoch: mine.epoch }]);
    await close();
  });

  it("finds the standbys without walking Faktory's keyspace: the lease has a database of its own", async () => {
    const prefix = `t${++n}`;
    const onDb = (id: string, database: number) =>
      new RedisLease({
        redisUrl: redis.url,
        keyPrefix: prefix,
        database,
        id,
        addr: `${id}:17419`,
        webAddr: `${id}:17420`,
        ttlMs: 5000,
        fenceMs: 700,
        overrunMs: 0,
        commandTimeoutMs: 5000,
      });
    // A Faktory database of 50,000 keys (jobs, sets), the lease's next to it.
    const faktoryDb = redis.client.duplicate({ db: 3 });
    for (let i = 0; i < 50_000; i += 5_000) {
      const batch = faktoryDb.pipeline();
      for (let j = i; j < i + 5_000; j++) batch.set(`job:${j}`, "x");
      await batch.exec();
    }
    const standbys = [onDb("s1", 4), onDb("s2", 4)];
    const primary = onDb("p", 4);
    await Promise.all([...standbys, primary].map((l) => l.connect()));
    for (const s of standbys) await s.read();
    const scans = async () => {
      const stats = String(await redis.client.call("INFO", "commandstats"));
      return Number(/cmdstat_scan:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    const before = await scans();
    expect((await primary.members()).map((m) => m.id).sort()).toEqual(["s1", "s2"]);
    // One SCAN call over the lease's few keys; in Faktory's database it would take 500 (COUNT 100).
    expect((await scans()) - before).toBe(1);
    await Promise.all([...standbys, primary].map((l) => l.close()));
    await faktoryDb.flushdb();
    faktoryDb.disconnect();
  });

  it("a poll records presence, and gives a lease without expiry the ttl", async () => {
    const { a, prefix, close } = await pair(5_000);
    await redis.client.set(
      leaseKeys(prefix).leader,
      JSON.stringify({ epoch: 9, id: "ghost", addr: "g:1", web: "g:2" }),
    );
    expect(await a.read()).toMatchObject({ lease: { id: "ghost" }, pttlMs: 5_000 });
    const pttl = await redis.client.pttl(leaseKeys(prefix).leader);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(JSON.parse((await redis.client.get(`${prefix}:member:a`))!)).toMatchObject({
      id: "a",
      addr: "a:17419",
    });
    await close();
  });

  it("fails (does not queue) when Redis is unreachable", async () => {
    const l = lease("a", "x", 1000, "redis://127.0.0.1:1");
    await l.connect();
    await expect(l.read()).rejects.toThrow(/ECONNREFUSED/);
    await l.close();
  });

  it("reports a wrong password as Redis says it, without the password", async () => {
    const port = await freePort();
    const guarded = spawn(
      redisServerBin(),
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--requirepass", "right-one"],
      { stdio: "ignore" },
    );
    try {
      await waitForPort(port);
      const l = lease("a", "x", 1000, `redis://:wrong-secret@127.0.0.1:${port}`);
      await l.connect();
      const err = await l.read().then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/^WRONGPASS/);
      expect(err?.message).not.toContain("wrong-secret");
      await l.close();
    } finally {
      guarded.kill("SIGKILL");
    }
  });

  it("leaves a node demoted to a read-only replica at once and follows the endpoint to the new primary", async () => {
    // Two real redis-servers; the "endpoint" is the URL's port, which we move like ElastiCache's DNS
    // does by running the replica on it after the old primary steps down.
    const replicaPort = await freePort();
    const replica = spawn(
      redisServerBin(),
      [
        "--port",
        String(replicaPort),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--replicaof",
        "127.0.0.1",
        String(redis.port),
      ],
      { stdio: "ignore" },
    );
    try {
      await waitForPort(replicaPort);
      const l = lease("a", `t${++n}`, 5_000, `redis://127.0.0.1:${replicaPort}`);
      await l.connect();
      // Connected to a replica: the poll's presence write fails with READONLY…
      await expect(l.read()).rejects.toThrow(/^READONLY/);
      // …and the connection is dropped rather than kept (ioredis reconnects, here to the same replica).
      await sleep(200);
      const names = (await replicaClientNames(replicaPort)).filter((c) => c === "faktory-ha:a");
      expect(names.length).toBeLessThanOrEqual(1);
      await new Redis(replicaPort, "127.0.0.1").replicaof("NO", "ONE");
      await sleep(200);
      await expect(l.read()).resolves.toBeNull();
      await l.close();
    } finally {
      replica.kill("SIGKILL");
    }
  });
});

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const sock = connect({ port, host: "127.0.0.1" });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start`);
}

async function replicaClientNames(port: number): Promise<string[]> {
  const c = new Redis(port, "127.0.0.1");
  const list = (await c.client("LIST")) as string;
  c.disconnect();
  return list
    .split("\n")
    .map((l) => /name=(\S*)/.exec(l)?.[1] ?? "")
    .filter(Boolean);
}

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
