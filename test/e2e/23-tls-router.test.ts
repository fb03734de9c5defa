import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { Client } from "faktory-worker";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep, startBareFaktory, type BareFaktory } from "../support/loopback";
import { issue, makeCa, type Ca, type Pem } from "../support/tls";
import { createLogger } from "../../supervisor/src/log";
import { Router, type RouterOptions } from "../../supervisor/src/router";
import { RawConn } from "./support/raw-conn";

// Scenario 23: the job-port router (in this process) with TLS required, in front of real OSS Faktory
// servers: TLS is only the transport, so what scenario 8 proves on the plain port must hold over a
// TLSSocket too — Faktory judges every HELLO, the HELLO is due within the handshake time after the
// greeting, one endless line is cut at the line bound, and a client that does not read its replies is
// not read from either (backpressure both ways), yet gets every reply once it reads again.
const PASSWORD = "tls-router-pw";
const log = createLogger("test", () => undefined);

let dir: string;
let ca: Ca;
let leaf: Pem;
let a: BareFaktory;
let b: BareFaktory;
const routers: Router[] = [];
const conns: RawConn[] = [];
const sockets: TLSSocket[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s23-"));
  const pki = join(dir, "pki");
  mkdirSync(pki);
  ca = makeCa(pki, "ca");
  leaf = issue(ca, pki, "leaf", { dns: ["localhost"], ips: ["127.0.0.1"] });
  [a, b] = await Promise.all([
    startBareFaktory(dir, "a", { FAKTORY_PASSWORD: PASSWORD }),
    startBareFaktory(dir, "b", { FAKTORY_PASSWORD: PASSWORD }),
  ]);
});

afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((f) => f.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A router with TLS required (no plain port), on a free port. */
async function startRouter(opts: Partial<RouterOptions> = {}): Promise<Router> {
  const router = new Router({
    name: "faktory",
    listenHost: "127.0.0.1",
    port: 0,
    holdMs: 5000,
    password: PASSWORD,
    log,
    tls: { port: 0, plain: false, context: { cert: leaf.cert, key: leaf.key } },
    ...opts,
  });
  await router.listen();
  routers.push(router);
  return router;
}

function target(f: BareFaktory, epoch: number) {
  return { host: "127.0.0.1", port: f.port, epoch, id: `pod-${epoch}` };
}

function conn(router: Router): RawConn {
  const c = new RawConn(router.tlsPort!, { ca: ca.cert });
  conns.push(c);
  return c;
}

/** Faktory's password hash (server.go), written out so no check reuses the router's code. */
function fhash(password: string, salt: string, iterations: number): string {
  let d = createHash("sha256")
    .update(password + salt)
    .digest();
  for (let i = 1; i < iterations; i++) d = createHash("sha256").update(d).digest();
  return d.toString("hex");
}

function greetingOf(line: string | null): { s?: string; i?: number } | null {
  return line?.startsWith("+HI ") ? (JSON.parse(line.slice(4)) as { s?: string; i?: number }) : null;
}

function pushLine(queue: string): string {
  return `PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "tls-hostile", queue, args: [] })}\r\n`;
}

let queueSeq = 0;
const freshQueue = () => `tls-hostile-${process.pid}-${++queueSeq}`;

async function queueSize(f: BareFaktory, queue: string): Promise<number> {
  const c = new Client({ host: "127.0.0.1", port: f.port, password: PASSWORD, poolSize: 1 });
  c.connectionFactory.onConnectionError = () => undefined;
  clients.push(c);
  return ((await c.info()) as { faktory: { queues: Record<string, number> } }).faktory.queues[queue] ?? 0;
}

async function handshaken(router: Router): Promise<RawConn> {
  const c = conn(router);
  const g = greetingOf(await c.line(0));
  expect(g?.s).toBeDefined();
  c.write(`HELLO ${JSON.stringify({ hostname: "tls", v: 2, pwdhash: fhash(PASSWORD, g!.s!, g!.i!) })}\r\n`);
  expect(await c.line(1)).toBe("+OK");
  return c;
}

async function waitUntil(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("scenario 23: the router's protections over TLS", () => {
  it("never runs a command behind an early, forged or replayed HELLO (20 attempts each way), also while the primary keeps changing", async () => {
    const router = await startRouter();
    router.setTarget(target(a, 1));
    const queue = freshQueue();
    const other = conn(router);
    const og = greetingOf(await other.line(0))!;
    const forged = {
      none: undefined,
      wrongPassword: fhash("guess", og.s!, og.i!),
      replayed: fhash(PASSWORD, og.s!, og.i!),
    };
    const attack = async (pwdhash: string | undefined, pipelined: boolean) => {
      const c = conn(router);
      // Written as soon as TLS is up, before the greeting was read.
      await c.whenConnected();
      c.write(`HELLO ${JSON.stringify({ hostname: "x", v: 2, ...(pwdhash ? { pwdhash } : {}) })}\r\n`);
      if (pipelined) c.write(pushLine(queue));
      else if ((await c.line(0)) !== null) c.write(pushLine(queue));
      await c.until((x) => x.closed || x.lines.length >= 3, 3000);
      c.destroy();
      return c.lines;
    };
    const outcomes: string[][] = [];
    for (const pwdhash of Object.values(forged))
      for (let i = 0; i < 20; i++) outcomes.push(await attack(pwdhash, i % 2 === 0));
    for (const lines of outcomes)
      expect(lines).toEqual([expect.stringMatching(/^\+HI /), "-ERR Invalid password"]);

    let epoch = 1;
    const flipper = setInterval(() => {
      epoch++;
      router.setTarget(target(epoch % 2 === 0 ? b : a, epoch));
    }, 2);
    const switching: string[][] = [];
    try {
      for (let i = 0; i < 20; i++) switching.push(await attack(forged.wrongPassword, i % 2 === 0));
    } finally {
      clearInterval(flipper);
    }
    for (const lines of switching) expect(lines.slice(1)).not.toContain("+OK");
    expect(await queueSize(a, queue)).toBe(0);
    expect(await queueSize(b, queue)).toBe(0);

    // The harness does see a command run over TLS when the HELLO is right.
    router.setTarget(target(a, ++epoch));
    const good = await handshaken(router);
    good.write(pushLine(queue));
    expect(await good.line(2)).toBe("+OK");
    expect(await queueSize(a, queue)).toBe(1);
    console.log(
      JSON.stringify({
        scenario: "tls-early-hello",
        attempts: outcomes.length + switching.length,
        commandsRun: 0,
        targetChanges: epoch - 1,
      }),
    );
  });

  it("closes a TLS client that does not HELLO within the handshake time after the greeting", async () => {
    const router = await startRouter({ handshakeTimeoutMs: 500 });
    router.setTarget(target(a, 1));
    const c = conn(router);
    expect(greetingOf(await c.line(0))).not.toBeNull();
    const greetedAt = Date.now();
    expect(await c.whenClosed(3000)).toBe(true);
    const ms = c.closedAt! - greetedAt;
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect(router.stats.handshakeTimeouts).toBe(1);
  });

  it("closes a TLS client streaming one endless line at maxLineBytes, keeping no more than that", async () => {
    const router = await startRouter({ maxLineBytes: 1024 * 1024 });
    router.setTarget(target(a, 1));
    const c = await handshaken(router);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let peak = 0;
    let sent = 0;
    c.write("PUSH ");
    while (!c.closed && c.lines.length < 3 && sent < 8 * 1024 * 1024) {
      c.write(chunk);
      sent += chunk.length;
      peak = Math.max(peak, router.stats.heldBytes);
      await sleep(2);
    }
    expect(await c.whenClosed(5000)).toBe(true);
    expect(c.lines[2]).toBe("-ERR line too long (max 1048576 bytes)");
    expect(router.stats.lineTooLong).toBe(1);
    expect(peak).toBeLessThanOrEqual(1024 * 1024);
    await waitUntil("the bytes released", () => router.stats.heldBytes === 0);
  });

  it("stops reading a TLS client whose commands are not answered, and carries on when they are", async () => {
    const maxHeldBytes = 64 * 1024;
    const router = await startRouter({ maxHeldBytes });
    router.setTarget(target(b, 1));
    const queue = freshQueue();
    const c = await handshaken(router);
    // Faktory stops answering (frozen): the client's commands pile up in flight, then on the router.
    b.signal("SIGSTOP");
    let written = 0;
    let peakHeld = 0;
    try {
      const pad = "x".repeat(2000);
      const sock = c.socket;
      let stalled = false;
      const t0 = Date.now();
      while (!stalled && Date.now() - t0 < 15_000) {
        while (
          sock.write(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "bp", queue, args: [pad] })}\r\n`)
        )
          written++;
        written++;
        peakHeld = Math.max(peakHeld, router.stats.heldBytes);
        // No drain for half a second: the router stopped reading, and the kernel's buffers are full.
        stalled = !(await Promise.race([
          new Promise<boolean>((r) => sock.once("drain", () => r(true))),
          sleep(500).then(() => false),
        ]));
      }
      expect(stalled).toBe(true);
      // What the router keeps for this client stays at its bound (plus one read at most).
      expect(peakHeld).toBeLessThanOrEqual(maxHeldBytes + 64 * 1024);
      expect(router.stats.heldBytes).toBeLessThanOrEqual(maxHeldBytes + 64 * 1024);
    } finally {
      b.signal("SIGCONT");
    }
    // Faktory answers again: the router reads on, every command runs and gets its one reply, in order.
    await waitUntil("every reply", () => c.lines.length === 2 + written, 30_000);
    expect(c.lines.slice(2).filter((l) => l !== "+OK")).toEqual([]);
    expect(await queueSize(b, queue)).toBe(written);
    console.log(
      JSON.stringify({
        scenario: "tls-backpressure-in",
        commands: written,
        routerPeakHeldBytes: peakHeld,
        maxHeldBytes,
      }),
    );
  });

  it("pauses Faktory's reply while the TLS client does not read it, and delivers it whole when it does", async () => {
    const router = await startRouter();
    router.setTarget(target(a, 1));
    const queue = freshQueue();
    // One job bigger than the kernel's socket buffers on both sides of the router together.
    const big = "y".repeat(16 * 1024 * 1024);
    const direct = new Client({ host: "127.0.0.1", port: a.port, password: PASSWORD, poolSize: 1 });
    direct.connectionFactory.onConnectionError = () => undefined;
    clients.push(direct);
    const jid = await direct.push({ jobtype: "big", queue, args: [big] });
    // Its own socket, keeping the reply's chunks as they come (a line reader would rescan megabytes).
    const sock = tlsConnect({ host: "127.0.0.1", port: router.tlsPort!, ca: ca.cert });
    sockets.push(sock);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      received += d.length;
    };
    sock.on("data", onData);
    await waitUntil("the greeting", () => Buffer.concat(chunks).includes("\r\n"));
    const g = greetingOf(Buffer.concat(chunks).toString().trim())!;
    chunks.length = 0;
    received = 0;
    sock.write(
      `HELLO ${JSON.stringify({ hostname: "big", v: 2, pwdhash: fhash(PASSWORD, g.s!, g.i!) })}\r\n`,
    );
    await waitUntil("+OK", () => received === 5);
    chunks.length = 0;
    received = 0;
    sock.pause();
    sock.write(`FETCH ${queue}\r\n`);
    // Not reading: the reply stops part way (the router paused its read of Faktory), nothing is lost.
    await sleep(1_500);
    const outWhilePaused = router.snapshot().bytesOut;
    expect(outWhilePaused).toBeLessThan(big.length);
    sock.resume();
    await waitUntil(
      "the whole reply",
      () => chunks.length > 0 && Buffer.concat(chunks.slice(-2)).toString().endsWith("}\r\n"),
      30_000,
    );
    const all = Buffer.concat(chunks).toString();
    const header = all.slice(0, all.indexOf("\r\n"));
    expect(header).toMatch(/^\$\d+$/);
    const body = all.slice(header.length + 2, -2);
    expect(body.length).toBe(Number(header.slice(1)));
    const job = JSON.parse(body) as { jid?: string; args?: string[] };
    expect(job.jid).toBe(jid);
    expect(job.args?.[0]?.length).toBe(big.length);
    const reply = header;
    console.log(
      JSON.stringify({
        scenario: "tls-backpressure-out",
        replyBytes: Number(reply.slice(1)),
        routerBytesOutWhilePaused: outWhilePaused,
        clientBytesReceived: received,
      }),
    );
  });
});
