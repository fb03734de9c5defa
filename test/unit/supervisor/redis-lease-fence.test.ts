import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type RunningRedis } from "../../support/loopback";
import { parseClientList, RedisLease } from "../../../supervisor/src/redis-lease";

// fenceClients on a real redis-server: which connections CLIENT KILL closes is the point. Each "pod" is
// a loopback address of its own, as a pod IP is to ElastiCache.
const OLD_POD = "127.0.0.31";
const OTHER_POD = "127.0.0.32";

let redis: RunningRedis;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-fence-"));
  redis = await startRedis(dir);
  // Protected mode accepts no client address but 127.0.0.1; the server listens on 127.0.0.1 only.
  await redis.client.config("SET", "protected-mode", "no");
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw connection from `from`, which has sent `commands` (inline) and read their replies. */
interface RawConn {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  send(command: string): Promise<string>;
}

async function rawConn(from: string, ...commands: string[]): Promise<RawConn> {
  const socket = connect({ host: "127.0.0.1", port: redis.port, localAddress: from });
  socket.on("error", () => undefined);
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  await new Promise<void>((res, rej) => {
    socket.once("connect", res);
    socket.once("error", rej);
  });
  const send = (command: string) =>
    new Promise<string>((res, rej) => {
      socket.once("data", (d) => res(d.toString()));
      socket.once("close", () => rej(new Error("closed")));
      socket.write(`${command}\r\n`);
    });
  for (const c of commands) await send(c);
  return { socket, closed, send };
}

function lease(id: string): RedisLease {
  return new RedisLease({
    redisUrl: redis.url,
    keyPrefix: "fence",
    database: 0,
    id,
    addr: `127.0.0.1:17419`,
    webAddr: `127.0.0.1:17420`,
    ttlMs: 3000,
    fenceMs: 700,
    overrunMs: 0,
    commandTimeoutMs: 1000,
  });
}

describe("RedisLease.fenceClients on redis-server", () => {
  it("closes the unnamed normal connections from the given hosts, and only those", async () => {
    const l = lease("a");
    await l.connect();
    // The old pod: two Faktory connections (one blocked in BRPOP, as a late FETCH would be), its
    // supervisor's lease connection (named), and a subscriber. Another pod's Faktory connection.
    const faktory = await rawConn(OLD_POD, "PING");
    const blocked = await rawConn(OLD_POD);
    blocked.socket.write("BRPOP fence-queue 30\r\n");
    const supervisor = await rawConn(OLD_POD, "CLIENT SETNAME faktory-ha:old");
    const subscriber = await rawConn(OLD_POD, "SUBSCRIBE fence-channel");
    const otherPod = await rawConn(OTHER_POD, "PING");
    try {
      const before = parseClientList(String(await redis.client.call("CLIENT", "LIST")));
      expect(before.filter((c) => c.addr.startsWith(`${OLD_POD}:`))).toHaveLength(4);

      const r = await l.fenceClients([OLD_POD]);
      expect(r).toEqual({ closed: 2, spared: ["faktory-ha:old"] });
      await faktory.closed;
      await blocked.closed;
      // What a late command meets once its connection is closed: nothing runs it.
      await redis.client.lpush("fence-queue", "job");
      expect(await redis.client.llen("fence-queue")).toBe(1);

      const after = parseClientList(String(await redis.client.call("CLIENT", "LIST")));
      const names = after.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(["faktory-ha:a", "faktory-ha:old", "e2e-harness"]));
      expect(after.filter((c) => c.addr.startsWith(`${OLD_POD}:`))).toHaveLength(2);
      expect(await supervisor.send("PING")).toBe("+PONG\r\n");
      expect(await otherPod.send("PING")).toBe("+PONG\r\n");
      expect(subscriber.socket.destroyed).toBe(false);
    } finally {
      for (const c of [faktory, blocked, supervisor, subscriber, otherPod]) c.socket.destroy();
      await redis.client.del("fence-queue");
      await l.close();
    }
  });

  it("does nothing without hosts, and nothing to hosts with no connection", async () => {
    const l = lease("b");
    await l.connect();
    const faktory = await rawConn(OLD_POD, "PING");
    try {
      await expect(l.fenceClients([])).resolves.toEqual({ closed: 0, spared: [] });
      await expect(l.fenceClients(["127.0.0.99", "10.1.2.3"])).resolves.toEqual({ closed: 0, spared: [] });
      expect(await faktory.send("PING")).toBe("+PONG\r\n");
    } finally {
      faktory.socket.destroy();
      await l.close();
    }
  });

  it("fails (for the caller to log) when Redis is unreachable", async () => {
    const l = new RedisLease({
      redisUrl: "redis://127.0.0.1:1",
      keyPrefix: "fence",
      database: 0,
      id: "c",
      addr: "127.0.0.1:17419",
      webAddr: "127.0.0.1:17420",
      ttlMs: 3000,
      fenceMs: 700,
      overrunMs: 0,
      commandTimeoutMs: 300,
    });
    await l.connect();
    await expect(l.fenceClients([OLD_POD])).rejects.toThrow();
    await l.close();
  });
});

describe("parseClientList", () => {
  it("reads id, addr and name, IPv6 and empty names included", () => {
    const text =
      "id=5 addr=10.0.0.7:46068 laddr=10.0.0.2:6379 fd=7 name= age=2 flags=N cmd=brpop\n" +
      "id=6 addr=[fd00::7]:46070 laddr=[fd00::2]:6379 fd=8 name=faktory-ha:sup-1 age=0 flags=N\n";
    expect(parseClientList(text)).toEqual([
      { id: "5", addr: "10.0.0.7:46068", name: "" },
      { id: "6", addr: "[fd00::7]:46070", name: "faktory-ha:sup-1" },
    ]);
  });
});
