import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Client } from "faktory-worker";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep, startBareFaktory, type BareFaktory } from "../support/loopback";
import { createLogger } from "../../supervisor/src/log";
import { Router, type RouterOptions } from "../../supervisor/src/router";
import { RawConn } from "./support/raw-conn";

// Scenario 8: clients that do not play by the rules, against the job-port router (in this process) in
// front of real OSS Faktory servers. Faktory itself decides every HELLO: a command may run only when
// Faktory would have accepted the client's own HELLO, whatever bytes the client sends when. The
// router's limits (line length, held bytes, connections, handshake time, one prober for all held
// connections) are measured here; the figures are printed as JSON lines.
const PASSWORD = "hostile-e2e-pw";
const log = createLogger("test", () => undefined);
const MiB = 1024 * 1024;

let dir: string;
/** Two servers with the password (for moves between primaries) and one without. */
let a: BareFaktory;
let b: BareFaktory;
let open: BareFaktory;

const routers: Router[] = [];
const conns: RawConn[] = [];
const clients: Client[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s8-"));
  [a, b, open] = await Promise.all([
    startBareFaktory(dir, "a", { FAKTORY_PASSWORD: PASSWORD }),
    startBareFaktory(dir, "b", { FAKTORY_PASSWORD: PASSWORD }),
    startBareFaktory(dir, "open"),
  ]);
});

afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(routers.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

afterAll(async () => {
  await Promise.all([a, b, open].filter(Boolean).map((f) => f.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startRouter(opts: Partial<RouterOptions> = {}): Promise<Router> {
  const router = new Router({
    name: "faktory",
    listenHost: "127.0.0.1",
    port: 0,
    holdMs: 5000,
    log,
    ...opts,
  });
  await router.listen();
  routers.push(router);
  return router;
}

function target(f: BareFaktory, epoch: number, id = `pod-${epoch}`) {
  return { host: "127.0.0.1", port: f.port, epoch, id };
}

function conn(port: number): RawConn {
  const c = new RawConn(port);
  conns.push(c);
  return c;
}

/** Faktory's password hash (server.go hash), written out here so no check reuses the router's code. */
function fhash(password: string, salt: string, iterations: number): string {
  let d = createHash("sha256")
    .update(password + salt)
    .digest();
  for (let i = 1; i < iterations; i++) d = createHash("sha256").update(d).digest();
  return d.toString("hex");
}

interface Greeting {
  readonly v: number;
  readonly i?: number;
  readonly s?: string;
}

function greetingOf(line: string | null): Greeting | null {
  return line?.startsWith("+HI ") ? (JSON.parse(line.slice(4)) as Greeting) : null;
}

/**
 * Whether Faktory accepts this first line (server.go startConnection): it starts with "HELLO {", its
 * JSON parses, and with a password the hash matches: one iteration for a client below v2.
 */
function faktoryAccepts(line: string, greeting: Greeting | null, password: string | undefined): boolean {
  if (!line.startsWith("HELLO {")) return false;
  let hello: { v?: number; pwdhash?: string };
  try {
    hello = JSON.parse(line.slice(5)) as typeof hello;
  } catch {
    return false;
  }
  if (password === undefined) return true;
  if (!greeting?.s) return false;
  return hello.pwdhash === fhash(password, greeting.s, (hello.v ?? 0) < 2 ? 1 : greeting.i!);
}

function pushLine(queue: string): string {
  return `PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "hostile", queue, args: [] })}\r\n`;
}

let queueSeq = 0;
function freshQueue(): string {
  return `hostile-${process.pid}-${++queueSeq}`;
}

async function queueSize(f: BareFaktory, queue: string): Promise<number> {
  const password = f === open ? undefined : PASSWORD;
  const c = new Client({ host: "127.0.0.1", port: f.port, password, poolSize: 1 });
  c.connectionFactory.onConnectionError = () => undefined;
  clients.push(c);
  const info = await c.info();
  return info.faktory.queues[queue] ?? 0;
}

/** A raw client through the router that did its own, correct handshake. */
async function handshaken(port: number): Promise<RawConn> {
  const c = conn(port);
  const g = greetingOf(await c.line(0));
  expect(g).not.toBeNull();
  const hello = { hostname: "raw", v: 2, ...(g!.s ? { pwdhash: fhash(PASSWORD, g!.s, g!.i!) } : {}) };
  c.write(`HELLO ${JSON.stringify(hello)}\r\n`);
  expect(await c.line(1)).toBe("+OK");
  return c;
}

async function waitUntil(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Settles when Faktory (or the router) closed the connection, or it answered a HELLO and one command. */
function settled(c: RawConn, timeoutMs = 3000): Promise<boolean> {
  return c.until((x) => x.closed || x.lines.length >= 3, timeoutMs);
}

describe("scenario 8: hostile clients against the router in front of real Faktory", () => {
  describe("a HELLO written before the greeting was read", () => {
    /** The attack: HELLO (no hash, or a forged one) before reading +HI, then PUSH. Returns what came back. */
    async function attack(port: number, pwdhash: string | undefined, queue: string, pipelined: boolean) {
      const c = conn(port);
      c.write(`HELLO ${JSON.stringify({ hostname: "x", v: 2, ...(pwdhash ? { pwdhash } : {}) })}\r\n`);
      if (pipelined) c.write(pushLine(queue));
      else if ((await c.line(0)) !== null) c.write(pushLine(queue));
      await settled(c);
      c.destroy();
      return c.lines;
    }

    it("never runs the command: Faktory judges the client's own HELLO (20 attempts each way)", async () => {
      const router = await startRouter({ password: PASSWORD });
      router.setTarget(target(a, 1));
      const queue = freshQueue();
      // A hash that was right for another connection's salt, replayed.
      const other = conn(router.port);
      const og = greetingOf(await other.line(0))!;
      const replayed = fhash(PASSWORD, og.s!, og.i!);
      const forged = { none: undefined, wrongPassword: fhash("guess", og.s!, og.i!), replayed };
      const outcomes: Record<string, string[][]> = {};
      for (const [name, pwdhash] of Object.entries(forged)) {
        outcomes[name] = [];
        for (let i = 0; i < 20; i++)
          outcomes[name].push(await attack(router.port, pwdhash, queue, i % 2 === 0));
      }
      for (const lines of Object.values(outcomes).flat()) {
        // The router passed the HELLO on verbatim after the greeting; Faktory refused it.
        expect(lines).toEqual([expect.stringMatching(/^\+HI /), "-ERR Invalid password"]);
      }
      expect(await queueSize(a, queue)).toBe(0);

      // The same harness does see a command run when the HELLO is right.
      const good = await handshaken(router.port);
      good.write(pushLine(queue));
      expect(await good.line(2)).toBe("+OK");
      expect(await queueSize(a, queue)).toBe(1);
      console.log(
        JSON.stringify({
          scenario: "early-hello",
          attempts: Object.values(outcomes).flat().length,
          commandsRun: 0,
          refusedByFaktory: Object.values(outcomes).flat().length,
        }),
      );
    });

    it("never runs the command while the primary keeps changing (no connection is moved mid-handshake)", async () => {
      const router = await startRouter({ password: PASSWORD });
      const queue = freshQueue();
      let epoch = 1;
      router.setTarget(target(a, epoch));
      const flipper = setInterval(() => {
        epoch++;
        router.setTarget(target(epoch % 2 === 0 ? b : a, epoch));
      }, 2);
      const results: string[][] = [];
      try {
        for (let i = 0; i < 20; i++) {
          results.push(await attack(router.port, undefined, queue, i % 2 === 0));
          results.push(await attack(router.port, fhash("guess", "salt", 5000), queue, i % 2 === 1));
        }
      } finally {
        clearInterval(flipper);
      }
      for (const lines of results) expect(lines.slice(1)).not.toContain("+OK");
      expect(await queueSize(a, queue)).toBe(0);
      expect(await queueSize(b, queue)).toBe(0);
      console.log(
        JSON.stringify({
          scenario: "early-hello-while-switching",
          attempts: results.length,
          commandsRun: 0,
          targetChanges: epoch - 1,
          closedOnChange: router.stats.closedOnChange,
        }),
      );
    });
  });

  it("does not lend its password to a client that never showed one (moved from a server without one)", async () => {
    const router = await startRouter({ password: PASSWORD });
    router.setTarget(target(open, 1));
    const queue = freshQueue();
    const c = await handshaken(router.port); // no hash: the server asked for none
    c.write(pushLine(queue));
    expect(await c.line(2)).toBe("+OK");
    router.setTarget(target(a, 2));
    c.write(pushLine(queue));
    expect(await c.whenClosed()).toBe(true);
    expect(c.lines.slice(3)).toEqual([]);
    expect(await queueSize(a, queue)).toBe(0);
    expect(router.stats.migrated).toBe(0);
  });

  describe("property: a command runs only if Faktory would accept the client's HELLO", () => {
    const kinds = [
      "correct",
      "none",
      "wrongPassword",
      "wrongIterations",
      "notJson",
      "lowercase",
      "commandFirst",
    ];
    const scenario = fc.record({
      kind: fc.constantFrom(...kinds),
      v: fc.constantFrom(1, 2),
      /** Chunks written before the greeting is read (when the HELLO needs no salt). */
      early: fc.nat(3),
      /** Byte offsets where the client's bytes are split into writes. */
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 5 }),
      pauseMs: fc.integer({ min: 0, max: 5 }),
    });

    function firstLine(kind: string, v: number, g: Greeting | null): string {
      const salted = (password: string, iterations: number) =>
        g?.s ? { pwdhash: fhash(password, g.s, iterations) } : {};
      const base = { hostname: "prop", wid: `w-${randomUUID().slice(0, 8)}`, v };
      switch (kind) {
        case "correct":
          return `HELLO ${JSON.stringify({ ...base, ...salted(PASSWORD, v < 2 ? 1 : (g?.i ?? 1)) })}`;
        case "wrongIterations":
          return `HELLO ${JSON.stringify({ ...base, ...salted(PASSWORD, v < 2 ? (g?.i ?? 2) : 1) })}`;
        case "wrongPassword":
          return `HELLO ${JSON.stringify({ ...base, pwdhash: fhash("guess", g?.s ?? "salt", 1) })}`;
        case "none":
          return `HELLO ${JSON.stringify(base)}`;
        case "notJson":
          return `HELLO {"hostname": prop, "v": ${v}}`;
        case "lowercase":
          return `hello ${JSON.stringify(base)}`;
        default:
          return pushLine("never").trimEnd();
      }
    }

    it.each([
      ["with a password", () => a, PASSWORD],
      ["without a password", () => open, undefined],
    ])("%s", async (_name, server, password) => {
      const router = await startRouter({ password });
      router.setTarget(target(server(), 1));
      const queue = freshQueue();
      let accepted = 0;
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async ({ kind, v, early, cuts, pauseMs }) => {
          runs++;
          const c = conn(router.port);
          // A hash for this connection's salt can only be written after its greeting was read.
          const needsSalt = password !== undefined && (kind === "correct" || kind === "wrongIterations");
          let greeting: Greeting | null = needsSalt ? greetingOf(await c.line(0)) : null;
          const hello = firstLine(kind, v, greeting);
          const bytes = Buffer.from(`${hello}\r\n${pushLine(queue)}`);
          const offsets = [0, ...cuts.filter((x) => x < bytes.length).sort((x, y) => x - y), bytes.length];
          for (let i = 0; i + 1 < offsets.length; i++) {
            if (i === (needsSalt ? 0 : early) && !greeting) greeting = greetingOf(await c.line(0));
            c.write(bytes.subarray(offsets[i], offsets[i + 1]));
            if (pauseMs > 0) await sleep(pauseMs);
          }
          greeting ??= greetingOf(await c.line(0));
          await settled(c);
          c.destroy();
          const expected = faktoryAccepts(hello, greeting, password);
          const ran = c.lines[1] === "+OK" && c.lines[2] === "+OK";
          if (expected) accepted++;
          expect({ kind, v, ran, replies: c.lines.slice(1) }).toEqual({
            kind,
            v,
            ran: expected,
            replies: expected ? ["+OK", "+OK"] : expect.not.arrayContaining(["+OK"]),
          });
        }),
        { numRuns: 40 },
      );
      expect(await queueSize(server(), queue)).toBe(accepted);
      console.log(JSON.stringify({ scenario: "handshake-property", password: !!password, runs, accepted }));
    });
  });

  describe("limits", () => {
    it("closes a client streaming one endless line at maxLineBytes, buffering no more than that", async () => {
      const router = await startRouter({ password: PASSWORD });
      router.setTarget(target(a, 1));
      const maxLine = router.limits.maxLineBytes;
      const c = await handshaken(router.port);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const before = process.memoryUsage();
      const peak = { heldBytes: 0, arrayBuffers: before.arrayBuffers, rss: before.rss };
      const sample = setInterval(() => {
        const m = process.memoryUsage();
        peak.heldBytes = Math.max(peak.heldBytes, router.stats.heldBytes);
        peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
        peak.rss = Math.max(peak.rss, m.rss);
      }, 10);
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      let sent = 0;
      c.write("PUSH ");
      try {
        while (!c.closed && c.lines.length < 3 && sent < 4 * maxLine) {
          c.write(chunk);
          sent += chunk.length;
          await sleep(10);
        }
        expect(await c.whenClosed(5000)).toBe(true);
      } finally {
        clearInterval(sample);
      }
      const ms = Date.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      expect(c.lines[2]).toBe(`-ERR line too long (max ${maxLine} bytes)`);
      expect(router.stats.lineTooLong).toBe(1);
      expect(peak.heldBytes).toBeLessThanOrEqual(maxLine);
      expect(sent).toBeLessThan(2 * maxLine);
      expect(peak.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * maxLine);
      await sleep(50);
      expect(router.stats.heldBytes).toBe(0);
      console.log(
        JSON.stringify({
          scenario: "endless-line",
          maxLineBytes: maxLine,
          sentBytes: sent,
          ms,
          rateMBps: +(sent / MiB / (ms / 1000)).toFixed(1),
          routerPeakBufferedBytes: peak.heldBytes,
          processArrayBuffersGrowthMiB: +((peak.arrayBuffers - before.arrayBuffers) / MiB).toFixed(1),
          processRssGrowthMiB: +((peak.rss - before.rss) / MiB).toFixed(1),
          processCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100),
        }),
      );
    });

    it("gives a client that has not proved itself one small line, and the handshake a bounded time", async () => {
      const router = await startRouter({ password: PASSWORD, handshakeTimeoutMs: 500 });
      // No primary: bytes before the greeting are all the router has; it keeps at most one small line.
      const early = conn(router.port);
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      let sent = 0;
      while (!early.closed && sent < 1024 * 1024) {
        early.write(chunk);
        sent += chunk.length;
        await sleep(2);
      }
      expect(await early.whenClosed(3000)).toBe(true);
      expect(early.lines).toEqual([]);
      expect(router.stats.lineTooLong).toBe(1);
      expect(router.stats.heldBytes).toBe(0);

      // Greeted, then silent: closed by the router's bound, before Faktory's own 2 s.
      router.setTarget(target(a, 1));
      const silent = conn(router.port);
      expect(await silent.line(0)).toMatch(/^\+HI /);
      const greetedAt = Date.now();
      expect(await silent.whenClosed(3000)).toBe(true);
      const waited = silent.closedAt! - greetedAt;
      expect(waited).toBeGreaterThanOrEqual(400);
      expect(waited).toBeLessThan(1900);
      expect(router.stats.handshakeTimeouts).toBe(1);
      console.log(
        JSON.stringify({
          scenario: "unproved-client",
          sentBeforeClose: sent,
          handshakeClosedAfterMs: waited,
        }),
      );
    });

    it("stops reading from a client past maxHeldBytes while no primary takes its commands, and loses none", async () => {
      const maxHeld = 128 * 1024;
      const router = await startRouter({ password: PASSWORD, maxHeldBytes: maxHeld });
      router.setTarget(target(a, 1));
      const queue = freshQueue();
      const c = await handshaken(router.port);
      router.setTarget(null);
      const n = 300;
      const pad = "x".repeat(10 * 1024);
      let peak = 0;
      const sample = setInterval(() => (peak = Math.max(peak, router.stats.heldBytes)), 5);
      for (let i = 0; i < n; i++) {
        c.write(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "hostile", queue, args: [pad] })}\r\n`);
      }
      // The router stops reading: what it did not take waits in the kernel and this process's socket.
      await sleep(500);
      clearInterval(sample);
      expect(peak).toBeGreaterThan(0);
      // Without the pause it would have read all 3 MB the client wrote.
      expect(peak).toBeLessThanOrEqual(maxHeld + 128 * 1024);
      router.setTarget(target(a, 2));
      expect(await c.until((x) => x.lines.length >= 2 + n || x.closed, 20_000)).toBe(true);
      expect(c.lines.slice(2)).toEqual(Array(n).fill("+OK"));
      expect(await queueSize(a, queue)).toBe(n);
      console.log(
        JSON.stringify({
          scenario: "held-bytes",
          maxHeldBytes: maxHeld,
          peakBufferedBytes: peak,
          commands: n,
        }),
      );
    });

    it("closes the connection keeping the most when all together pass maxBufferedBytes", async () => {
      const router = await startRouter({ password: PASSWORD, maxBufferedBytes: 2 * MiB });
      router.setTarget(target(a, 1));
      const queue = freshQueue();
      const hog = await handshaken(router.port);
      const modest = await handshaken(router.port);
      hog.write("PUSH ");
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      for (let i = 0; i < 64 && !hog.closed; i++) {
        hog.write(chunk);
        if (i === 8)
          modest.write(`PUSH ${JSON.stringify({ jid: randomUUID(), jobtype: "x", queue, args: [] })}\r\n`);
        await sleep(5);
      }
      expect(await hog.whenClosed(3000)).toBe(true);
      expect(hog.lines[2]).toBe("-ERR router busy");
      expect(router.stats.evicted).toBe(1);
      expect(await modest.line(2)).toBe("+OK");
      expect(modest.closed).toBe(false);
    });

    it("refuses connections past maxConnections at once", async () => {
      const router = await startRouter({ maxConnections: 5 });
      const held = Array.from({ length: 5 }, () => conn(router.port));
      await Promise.all(held.map((c) => c.whenConnected()));
      await waitUntil("5 open connections", () => router.stats.active === 5);
      const extra = conn(router.port);
      expect(await extra.whenClosed(2000)).toBe(true);
      expect(router.stats.refused).toBe(1);
      expect(router.stats.active).toBe(5);
      held[0].destroy();
      await waitUntil("one closed", () => router.stats.active === 4);
      const next = conn(router.port);
      await next.whenConnected();
      await sleep(300);
      expect(next.closed).toBe(false);
      expect(router.stats.active).toBe(5);
      expect(router.stats.refused).toBe(1);
      // They were held, not dead: a primary appears and they are greeted.
      router.setTarget(target(open, 1));
      expect(await next.line(0)).toMatch(/^\+HI /);
    });

    it("holds 2000 connections with one prober, closes each at its deadline, then serves a new primary", async () => {
      const holdMs = 3000;
      const n = 2000;
      // Where the primary should be, something accepts and closes at once (a Faktory booting or
      // stopping); it counts the router's attempts.
      let attempts = 0;
      const stub = createServer((s) => {
        attempts++;
        s.destroy();
      });
      servers.push(stub);
      await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
      const stubPort = (stub.address() as { port: number }).port;
      const router = await startRouter({ holdMs, password: PASSWORD });
      router.setTarget({ host: "127.0.0.1", port: stubPort, epoch: 1, id: "booting" });

      // In batches the router has accepted before the next: more at once overflow the listen backlog
      // and wait a SYN retransmit (1 s), which is not what this measures.
      const held: RawConn[] = [];
      while (held.length < n) {
        held.push(...Array.from({ length: 100 }, () => conn(router.port)));
        await waitUntil("accepted", () => router.stats.active === held.length);
      }
      await waitUntil(`${n} held connections`, () => router.stats.held === n);
      // The hold itself: from the last connection until the first deadline.
      const quietUntil = Math.min(...held.map((c) => c.connectedAt!)) + holdMs - 100;
      const cpu0 = process.cpuUsage();
      const q0 = Date.now();
      const attempts0 = attempts;
      await sleep(Math.max(0, quietUntil - q0));
      const quietMs = Date.now() - q0;
      const quietCpu = process.cpuUsage(cpu0);
      const quietAttempts = attempts - attempts0;
      expect(held.every((c) => !c.closed)).toBe(true);

      await Promise.all(held.map((c) => c.whenClosed(holdMs + 10_000)));
      const late = held.map((c) => c.closedAt! - (c.connectedAt! + holdMs));
      expect(Math.min(...late)).toBeGreaterThanOrEqual(-100);
      expect(Math.max(...late)).toBeLessThan(1500);
      expect(held.every((c) => c.lines.length === 0)).toBe(true);
      expect(router.stats.holdTimeouts).toBe(n);
      expect(router.stats.held).toBe(0);
      const cpuPct = ((quietCpu.user + quietCpu.system) / 1000 / quietMs) * 100;
      expect(cpuPct).toBeLessThan(25);
      // One prober: a few attempts per 100 ms, not one per held connection.
      expect(quietAttempts).toBeLessThan((quietMs / 1000) * 100);

      router.setTarget(target(a, 2));
      const queue = freshQueue();
      const c = await handshaken(router.port);
      c.write(pushLine(queue));
      expect(await c.line(2)).toBe("+OK");
      console.log(
        JSON.stringify({
          scenario: "held-connections",
          connections: n,
          holdMs,
          quietMs,
          processCpuPct: +cpuPct.toFixed(1),
          upstreamAttempts: quietAttempts,
          closeLatenessMs: { min: Math.min(...late), max: Math.max(...late) },
        }),
      );
    });
  });
});
