import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "faktory-worker";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, sleep, startBareFaktory, type BareFaktory } from "../support/loopback";
import { createLogger } from "../../supervisor/src/log";
import { Router } from "../../supervisor/src/router";

// Scenario 7: the supervisor's job-port router (supervisor/src/router.ts, in this process) in front of
// real OSS Faktory servers, each with its own data dir, embedded Redis and FAKTORY_PASSWORD, so every
// connection gets its own salt and every HELLO is checked by Faktory itself. Clients are the real
// faktory-worker Client, or a raw socket where the test must see exactly when the router closes it.
// What a real server cannot produce on demand stays on a stand-in in test/unit/supervisor/router.test.ts.
const PASSWORD = "router-e2e-pw";
const log = createLogger("test", () => undefined);

type RealFaktory = BareFaktory;

let dir: string;
const started: RealFaktory[] = [];

async function startFaktory(name: string): Promise<RealFaktory> {
  const f = await startBareFaktory(dir, name, { FAKTORY_PASSWORD: PASSWORD });
  started.push(f);
  return f;
}

/** A client straight to one Faktory (not through the router), to see what that server holds. */
function direct(f: RealFaktory): Client {
  return trackClient(new Client({ host: "127.0.0.1", port: f.port, password: PASSWORD, poolSize: 1 }));
}

async function queueSize(f: RealFaktory, queue: string): Promise<number> {
  const info = await direct(f).info();
  return info.faktory.queues[queue] ?? 0;
}

const clients: Client[] = [];
function trackClient(c: Client): Client {
  c.connectionFactory.onConnectionError = () => undefined;
  clients.push(c);
  return c;
}

/** faktory-worker through the router, one pooled connection, so "the connection" is one socket. */
function viaRouter(router: Router, wid?: string): Client {
  return trackClient(
    new Client({ host: "127.0.0.1", port: router.port, password: PASSWORD, wid, poolSize: 1 }),
  );
}

/** Faktory's password hash, written out here so the raw client does not reuse the router's code. */
function pwdhash(salt: string, iterations: number): string {
  let d = createHash("sha256")
    .update(PASSWORD + salt)
    .digest();
  for (let i = 1; i < iterations; i++) d = createHash("sha256").update(d).digest();
  return d.toString("hex");
}

interface RawClient {
  send(line: string): Promise<string>;
  readonly closed: boolean;
  whenClosed(): Promise<void>;
  destroy(): void;
}
const raws: RawClient[] = [];

/** A bare protocol client (one line out, one reply line back) that does its own HELLO. */
async function rawClient(port: number): Promise<RawClient> {
  const sock = connect({ port, host: "127.0.0.1" });
  const lines: string[] = [];
  const waiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const closeWaiters: (() => void)[] = [];
  let closed = false;
  let buf = "";
  sock.on("data", (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf("\r\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      const w = waiters.shift();
      if (w) w.resolve(line);
      else lines.push(line);
    }
  });
  sock.on("error", () => undefined);
  sock.on("close", () => {
    closed = true;
    for (const w of waiters.splice(0)) w.reject(new Error("closed"));
    for (const w of closeWaiters.splice(0)) w();
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      if (closed) return reject(new Error("closed"));
      waiters.push({ resolve, reject });
    });
  const raw: RawClient = {
    send: (line) => {
      sock.write(line + "\r\n");
      return next();
    },
    get closed() {
      return closed;
    },
    whenClosed: () => new Promise<void>((r) => (closed ? r() : closeWaiters.push(r))),
    destroy: () => sock.destroy(),
  };
  raws.push(raw);
  const greeting = await next();
  expect(greeting).toMatch(/^\+HI /);
  const { s, i } = JSON.parse(greeting.slice(4)) as { s: string; i: number };
  const hello = { hostname: "raw", v: 2, pwdhash: pwdhash(s, i) };
  expect(await raw.send(`HELLO ${JSON.stringify(hello)}`)).toBe("+OK");
  return raw;
}

const routers: Router[] = [];
async function startRouter(holdMs = 5000): Promise<Router> {
  const router = new Router({
    name: "faktory",
    listenHost: "127.0.0.1",
    port: 0,
    holdMs,
    password: PASSWORD,
    log,
  });
  await router.listen();
  routers.push(router);
  return router;
}

/** The lease holder's id and epoch name a primary's term; by default each epoch has its own holder. */
function target(f: RealFaktory, epoch: number, id = `pod-${epoch}`) {
  return { host: "127.0.0.1", port: f.port, epoch, id };
}

let queueSeq = 0;
/** A queue name no earlier test used, so queue sizes on the shared servers start at 0. */
function freshQueue(): string {
  return `router-${process.pid}-${++queueSeq}`;
}

async function waitUntil(what: string, pred: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let a: RealFaktory;
let b: RealFaktory;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s7-"));
  [a, b] = await Promise.all([startFaktory("a"), startFaktory("b")]);
});

afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await Promise.all(started.splice(0).map((f) => f.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("scenario 7: the job-port router in front of real Faktory servers", () => {
  it("moves an idle connection to the new primary, re-doing HELLO (same wid, new salt) without closing it", async () => {
    const router = await startRouter();
    const queue = freshQueue();
    router.setTarget(target(a, 1));
    const c = viaRouter(router, "w-router-move");
    const jid1 = await c.push({ jobtype: "e2e", queue, args: [1] });
    // The worker's HELLO registered its wid with A: A answers its heartbeat.
    expect(await c.beat()).toBe("OK");

    router.setTarget(target(b, 2));
    const jid2 = await c.push({ jobtype: "e2e", queue, args: [2] });
    // B only answers a BEAT for a wid that HELLOed on B: the router re-did the HELLO with the
    // client's wid, and with a hash for B's salt, or B would have refused the connection.
    expect(await c.beat()).toBe("OK");

    expect(jid1).not.toBe(jid2);
    expect(await queueSize(a, queue)).toBe(1);
    expect(await queueSize(b, queue)).toBe(1);
    // One client connection the whole time, moved once, never closed.
    expect(router.stats.total).toBe(1);
    expect(router.stats.active).toBe(1);
    expect(router.stats.migrated).toBe(1);
    expect(router.stats.closedOnChange).toBe(0);
    // HELLO is not counted; PUSH + BEAT per epoch.
    expect(router.stats.commandsByEpoch).toEqual({ 1: 2, 2: 2 });
  });

  it("moves a raw connection and keeps it open (the socket itself is never closed)", async () => {
    const router = await startRouter();
    const queue = freshQueue();
    router.setTarget(target(a, 1));
    const c = await rawClient(router.port);
    expect(
      await c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", queue, args: [] })}`),
    ).toBe("+OK");
    router.setTarget(target(b, 2));
    expect(
      await c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", queue, args: [] })}`),
    ).toBe("+OK");
    expect(c.closed).toBe(false);
    expect(await queueSize(a, queue)).toBe(1);
    expect(await queueSize(b, queue)).toBe(1);
    expect(router.stats.migrated).toBe(1);
  });

  it("holds new connections while no primary is known, then connects them", async () => {
    const router = await startRouter();
    const queue = freshQueue();
    const pending = rawClient(router.port);
    await waitUntil("the connection to be held", () => router.stats.held === 1);
    await sleep(200);
    expect(router.stats.held).toBe(1);
    router.setTarget(target(a, 1));
    const c = await pending; // greeted by A, HELLO accepted by A
    expect(
      await c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", queue, args: [] })}`),
    ).toBe("+OK");
    expect(router.stats.held).toBe(0);
    expect(router.stats.holdTimeouts).toBe(0);
    expect(await queueSize(a, queue)).toBe(1);
  });

  it("closes a held connection after the hold time", async () => {
    const router = await startRouter(300);
    // No primary is known: there is no Faktory to talk to, the router alone decides.
    const sock = connect({ port: router.port, host: "127.0.0.1" });
    sock.on("error", () => undefined);
    let received = 0;
    sock.on("data", (d) => (received += d.length));
    const t0 = Date.now();
    await new Promise((r) => sock.once("close", r));
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3000);
    expect(received).toBe(0);
    expect(router.stats.holdTimeouts).toBe(1);
  });

  it("closes a held connection after the hold time when the known primary does not accept", async () => {
    const router = await startRouter(400);
    // A real address with nothing listening (a primary whose Faktory has not booted yet).
    const port = await freePort();
    router.setTarget({ host: "127.0.0.1", port, epoch: 1, id: "pod-1" });
    const sock = connect({ port: router.port, host: "127.0.0.1" });
    sock.on("error", () => undefined);
    const t0 = Date.now();
    await new Promise((r) => sock.once("close", r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(router.stats.holdTimeouts).toBe(1);
  });

  it("sends nothing new to a draining primary; the next one gets it", async () => {
    const router = await startRouter();
    const queue = freshQueue();
    router.setTarget(target(a, 1));
    const c = viaRouter(router);
    await c.push({ jobtype: "e2e", queue, args: ["before"] });
    router.drain({ id: "pod-1", epoch: 1 });
    const late = c.push({ jobtype: "e2e", queue, args: ["late"] });
    await sleep(300);
    expect(await queueSize(a, queue)).toBe(1);
    expect(await queueSize(b, queue)).toBe(0);
    expect(router.stats.commandsByEpoch).toEqual({ 1: 1 });
    router.setTarget(target(b, 2));
    const lateJid = await late;
    expect(await queueSize(a, queue)).toBe(1);
    expect(await queueSize(b, queue)).toBe(1);
    const onB = await direct(b).fetch(queue);
    expect(onB?.jid).toBe(lateJid);
    expect(onB?.args).toEqual(["late"]);
    expect(router.stats.commandsByEpoch).toEqual({ 1: 1, 2: 1 });
    expect(router.stats.total).toBe(1);
  });

  it("refuses the local primary when the guard says its lease may have lapsed", async () => {
    const router = await startRouter();
    const queue = freshQueue();
    let fresh = true;
    router.setGuard((t) => t.epoch !== 1 || fresh);
    router.setTarget(target(a, 1));
    const c = viaRouter(router);
    await c.push({ jobtype: "e2e", queue, args: ["fresh"] });
    fresh = false;
    const late = c.push({ jobtype: "e2e", queue, args: ["lapsed"] });
    await sleep(300);
    expect(await queueSize(a, queue)).toBe(1);
    router.setTarget(target(b, 2));
    const lateJid = await late;
    expect(await queueSize(a, queue)).toBe(1);
    const onB = await direct(b).fetch(queue);
    expect(onB?.jid).toBe(lateJid);
    expect(router.stats.commandsByEpoch).toEqual({ 1: 1, 2: 1 });
  });

  it("resends a command Faktory refused with 'shutdown in progress' to the next primary", async () => {
    const d = await startFaktory("d");
    const router = await startRouter();
    const queue = freshQueue();
    router.setTarget(target(d, 1));
    const c = await rawClient(router.port);
    expect(
      await c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", queue, args: [] })}`),
    ).toBe("+OK");
    // A connection straight to D that probes with an invalid PUSH (never stored): a running Faktory
    // answers "-ERR jobs must have a reasonable jid…", one that is stopping "-ERR shutdown in progress".
    const probe = await rawClient(d.port);
    expect(await probe.send("PUSH {}")).toMatch(/^-ERR .*jid/);
    // SIGTERM: Faktory refuses every command for ~100 ms (it stops dispatch, then waits) before it exits.
    d.signal("SIGTERM");
    const deadline = Date.now() + 2000;
    for (;;) {
      const reply = await probe.send("PUSH {}");
      if (reply === "-ERR shutdown in progress") break;
      if (Date.now() > deadline) throw new Error(`Faktory D never refused: last reply ${reply}`);
    }
    // Inside the refusal window now: the client's command reaches D and is refused, not run.
    const jid = randomUUID();
    const answer = c.send(`PUSH ${JSON.stringify({ jid, jobtype: "e2e", queue, args: ["refused"] })}`);
    await waitUntil("D to be marked draining", () => router.stats.commandsByEpoch[1] === 2);
    await sleep(100);
    expect(c.closed).toBe(false);
    router.setTarget(target(b, 2));
    expect(await answer).toBe("+OK");
    expect(c.closed).toBe(false);
    const onB = await direct(b).fetch(queue);
    expect(onB?.jid).toBe(jid);
    expect(onB?.args).toEqual(["refused"]);
    // Sent twice (refused by D, run by B) on one client connection that was moved, not closed.
    expect(router.stats.commandsByEpoch).toEqual({ 1: 2, 2: 1 });
    expect(router.stats.migrated).toBe(1);
    expect(router.stats.total).toBe(1);
  });

  it("closes the client when its Faktory dies with a command in flight (outcome unknown)", async () => {
    const c3 = await startFaktory("c");
    const router = await startRouter();
    router.setTarget(target(c3, 1));
    const c = await rawClient(router.port);
    expect(await c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", args: [] })}`)).toBe(
      "+OK",
    );
    // Freeze it so the command is surely still unanswered when it dies, then kill it.
    c3.signal("SIGSTOP");
    const answer = c.send(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "e2e", args: [] })}`);
    await waitUntil("the PUSH to be forwarded", () => router.stats.commandsByEpoch[1] === 2);
    c3.signal("SIGKILL");
    await expect(answer).rejects.toThrow("closed");
    await c.whenClosed();
    expect(c.closed).toBe(true);
    expect(router.stats.migrated).toBe(0);
    await waitUntil("the router to drop the session", () => router.stats.active === 0);
  });
});
