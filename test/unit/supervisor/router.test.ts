import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { passwordHash } from "../../../supervisor/src/faktory-protocol";
import { createLogger } from "../../../supervisor/src/log";
import { Router } from "../../../supervisor/src/router";

// The router against small in-process Faktory stand-ins on loopback sockets: each greets with its own
// salt, checks the HELLO's password hash, and answers commands as the test says.
const PASSWORD = "pw";
const log = createLogger("test", () => undefined);

interface FakeFaktory {
  port: number;
  salt: string;
  commands: string[];
  hellos: Record<string, unknown>[];
  sockets: Set<Socket>;
  reply: (cmd: string, sock: Socket) => void;
  close(): Promise<void>;
}

async function fakeFaktory(salt: string): Promise<FakeFaktory> {
  const f: FakeFaktory = {
    port: 0,
    salt,
    commands: [],
    hellos: [],
    sockets: new Set(),
    reply: (_cmd, sock) => sock.write("+OK\r\n"),
    close: async () => undefined,
  };
  const server: Server = createServer((sock) => {
    f.sockets.add(sock);
    sock.on("close", () => f.sockets.delete(sock));
    sock.on("error", () => undefined);
    sock.write(`+HI {"v":2,"i":3,"s":"${salt}"}\r\n`);
    let buf = "";
    let helloed = false;
    sock.on("data", (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (!helloed) {
          const hello = JSON.parse(line.slice(6)) as Record<string, unknown>;
          f.hellos.push(hello);
          if (hello.pwdhash !== passwordHash(PASSWORD, salt, 3)) {
            sock.end("-ERR Invalid password\r\n");
            return;
          }
          helloed = true;
          sock.write("+OK\r\n");
          continue;
        }
        f.commands.push(line);
        f.reply(line, sock);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  f.port = (server.address() as { port: number }).port;
  f.close = () =>
    new Promise((r) => {
      for (const s of f.sockets) s.destroy();
      server.close(() => r());
    });
  return f;
}

/** A bare protocol client: one line out, one reply line back. */
async function rawClient(port: number) {
  const sock = connect({ port, host: "127.0.0.1" });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let closed = false;
  const closeWaiters: (() => void)[] = [];
  let buf = "";
  sock.on("data", (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf("\r\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  sock.on("error", () => undefined);
  sock.on("close", () => {
    closed = true;
    closeWaiters.splice(0).forEach((w) => w());
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      if (closed) return reject(new Error("closed"));
      waiters.push(resolve);
      closeWaiters.push(() => reject(new Error("closed")));
    });
  const greeting = await next();
  const salt = (JSON.parse(greeting.slice(4)) as { s: string }).s;
  sock.write(
    `HELLO ${JSON.stringify({ hostname: "h", wid: "w1", v: 2, pwdhash: passwordHash(PASSWORD, salt, 3) })}\r\n`,
  );
  expect(await next()).toBe("+OK");
  return {
    send: (line: string) => {
      sock.write(line + "\r\n");
      return next();
    },
    get closed() {
      return closed;
    },
    whenClosed: () => new Promise<void>((r) => (closed ? r() : closeWaiters.push(r))),
    destroy: () => sock.destroy(),
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(holdMs = 5000) {
  const a = await fakeFaktory("saltA");
  const b = await fakeFaktory("saltB");
  const router = new Router({
    name: "faktory",
    listenHost: "127.0.0.1",
    port: 0,
    holdMs,
    password: PASSWORD,
    log,
  });
  await router.listen();
  cleanups.push(
    () => a.close(),
    () => b.close(),
    () => router.close(),
  );
  return { a, b, router };
}

describe("Faktory router", () => {
  it("moves an idle connection to the new primary, re-doing HELLO for its salt, without closing it", async () => {
    const { a, b, router } = await setup();
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    expect(await c.send('PUSH {"jid":"1"}')).toBe("+OK");
    router.setTarget({ host: "127.0.0.1", port: b.port, epoch: 2 });
    expect(await c.send('PUSH {"jid":"2"}')).toBe("+OK");
    expect(a.commands).toEqual(['PUSH {"jid":"1"}']);
    expect(b.commands).toEqual(['PUSH {"jid":"2"}']);
    expect(b.hellos[0]).toMatchObject({
      wid: "w1",
      hostname: "h",
      pwdhash: passwordHash(PASSWORD, "saltB", 3),
    });
    expect(c.closed).toBe(false);
    expect(router.stats.migrated).toBe(1);
    expect(router.stats.commandsByEpoch).toEqual({ 1: 1, 2: 1 });
    c.destroy();
  });

  it("resends a command Faktory refused with 'shutdown in progress' to the next primary", async () => {
    const { a, b, router } = await setup();
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    a.reply = (_cmd, sock) => sock.end("-ERR shutdown in progress\r\n");
    const answer = c.send('PUSH {"jid":"x"}');
    await new Promise((r) => setTimeout(r, 100));
    router.setTarget({ host: "127.0.0.1", port: b.port, epoch: 2 });
    expect(await answer).toBe("+OK");
    expect(a.commands).toEqual(['PUSH {"jid":"x"}']);
    expect(b.commands).toEqual(['PUSH {"jid":"x"}']);
    c.destroy();
  });

  it("closes the client when its Faktory dies with a command in flight (outcome unknown)", async () => {
    const { a, router } = await setup();
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    a.reply = (_cmd, sock) => sock.destroy();
    await expect(c.send("FETCH default")).rejects.toThrow("closed");
    expect(c.closed).toBe(true);
  });

  it("closes the client rather than pass on a reply it cannot match to a command", async () => {
    const { a, router } = await setup();
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    a.reply = (_cmd, sock) => sock.write("+OK\r\n+OK\r\n");
    await c.send("PUSH {}").catch(() => "closed");
    await c.whenClosed();
    expect(router.stats.protocolErrors).toBe(1);
  });

  it("holds new connections while no primary is known, then connects them", async () => {
    const { a, router } = await setup();
    const pending = rawClient(router.port);
    await new Promise((r) => setTimeout(r, 200));
    expect(router.stats.held).toBe(1);
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await pending;
    expect(await c.send("PUSH {}")).toBe("+OK");
    expect(router.stats.held).toBe(0);
    c.destroy();
  });

  it("closes a held connection after the hold time", async () => {
    const { router } = await setup(300);
    const sock = connect({ port: router.port, host: "127.0.0.1" });
    sock.on("error", () => undefined);
    const t0 = Date.now();
    await new Promise((r) => sock.once("close", r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(router.stats.holdTimeouts).toBe(1);
  });

  it("sends nothing new to a draining primary; the next one gets it", async () => {
    const { a, b, router } = await setup();
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    expect(await c.send("PUSH {}")).toBe("+OK");
    router.drain(1);
    const answer = c.send('PUSH {"late":true}');
    await new Promise((r) => setTimeout(r, 100));
    expect(a.commands).toEqual(["PUSH {}"]);
    router.setTarget({ host: "127.0.0.1", port: b.port, epoch: 2 });
    expect(await answer).toBe("+OK");
    expect(b.commands).toEqual(['PUSH {"late":true}']);
    c.destroy();
  });

  it("refuses the local primary when the guard says its lease may have lapsed", async () => {
    const { a, b, router } = await setup();
    let fresh = true;
    router.setGuard((t) => t.epoch !== 1 || fresh);
    router.setTarget({ host: "127.0.0.1", port: a.port, epoch: 1 });
    const c = await rawClient(router.port);
    expect(await c.send("PUSH {}")).toBe("+OK");
    fresh = false;
    const answer = c.send("PUSH {}");
    await new Promise((r) => setTimeout(r, 100));
    expect(a.commands.length).toBe(1);
    router.setTarget({ host: "127.0.0.1", port: b.port, epoch: 2 });
    expect(await answer).toBe("+OK");
    expect(b.commands.length).toBe(1);
    c.destroy();
  });
});
