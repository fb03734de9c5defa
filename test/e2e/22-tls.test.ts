import { execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { Client } from "faktory-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  sleep,
  startLoopbackCluster,
  startSupervisor,
  supervisorBundle,
  withTimeout,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { issue, makeCa, writeSecretVolume, type Ca, type Pem } from "../support/tls";
import { RawConn } from "./support/raw-conn";

// Scenario 22: encryption in transit. Three supervisors (1 primary + 2 standbys) with TLS required,
// their certificate in a Secret volume written the kubelet's way, in front of real Faktory and a real
// redis-server; clients are the real faktory-worker with tlsOptions (verifying against the test's CA),
// node's own TLS sockets where the test must see certificates, and plain sockets where it must see
// what a client without TLS gets. Figures are printed as JSON lines.
const PASSWORD = "tls-e2e-pw";
/** The name every pod's certificate is for (the Service's, in Kubernetes). */
const SERVICE_NAME = "faktory.tls-e2e.svc";

let dir: string;
let secretDir: string;
let ca: Ca;
let otherCa: Ca;
let leaf1: Pem;
let leaf2: Pem;
let expired: Pem;
let cluster: LoopbackCluster;
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s22-"));
  const pki = join(dir, "pki");
  mkdirSync(pki);
  ca = makeCa(pki, "ca");
  otherCa = makeCa(pki, "other-ca");
  const names = { dns: [SERVICE_NAME, "localhost"], ips: ["127.0.0.1"] };
  leaf1 = issue(ca, pki, "leaf1", names);
  leaf2 = issue(ca, pki, "leaf2", names);
  expired = issue(ca, pki, "expired", { ...names, days: -1 });
  secretDir = join(dir, "secret");
  writeSecretVolume(secretDir, { "tls.crt": leaf1.cert, "tls.key": leaf1.key, "ca.crt": ca.cert });
  cluster = await startLoopbackCluster(3, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-s22",
    tls: { mode: "required", dir: secretDir },
  });
  await cluster.primary(30_000);
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tlsPorts(s: SupervisorHandle) {
  if (!s.ports.tls) throw new Error(`${s.id} has no TLS ports`);
  return s.ports.tls;
}

/** faktory-worker over TLS to one router, verifying the server against `trust`, one pooled connection. */
function tlsClient(s: SupervisorHandle, trust: Buffer = ca.cert): Client {
  const c = new Client({
    host: "127.0.0.1",
    port: tlsPorts(s).port,
    password: PASSWORD,
    poolSize: 1,
    tlsOptions: { ca: trust },
  });
  c.connectionFactory.onConnectionError = () => undefined;
  clients.push(c);
  return c;
}

/** The error a client's first connection fails with (faktory-worker's connect() opens one and HELLOs). */
async function connectError(c: Client): Promise<Error & { code?: string }> {
  try {
    await withTimeout(c.connect(), 10_000);
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected the connection to fail");
}

/** Connects with TLS and returns the server certificate's fingerprint and the handshake's duration. */
function peerCert(port: number, o: ConnectionOptions = {}): Promise<{ fingerprint: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const sock: TLSSocket = tlsConnect({ host: "127.0.0.1", port, ca: ca.cert, ...o }, () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({ fingerprint: sock.getPeerCertificate().fingerprint256, ms });
      sock.destroy();
    });
    sock.on("error", reject);
  });
}

/** The supervisor's established TCP connections (local and remote port), from `ss`. */
function connectionsOf(pid: number): { local: number; remote: number }[] {
  const out = execFileSync("ss", ["-tnpH", "state", "established"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => {
      const addrs = l.split(/\s+/).filter((f) => /:\d+$/.test(f));
      const port = (a: string) => Number(a.slice(a.lastIndexOf(":") + 1));
      return { local: port(addrs[0]), remote: port(addrs[1]) };
    });
}

async function healthz(s: SupervisorHandle): Promise<number> {
  return (await fetch(`http://127.0.0.1:${s.ports.healthPort}/healthz`)).status;
}

async function epochOf(s: SupervisorHandle): Promise<number> {
  return Number((await withTimeout(s.status(), 2_000)).epoch);
}

/** Faktory's password hash (server.go), written out here so no check reuses the router's code. */
function pwdhash(salt: string, iterations: number): string {
  let d = createHash("sha256")
    .update(PASSWORD + salt)
    .digest();
  for (let i = 1; i < iterations; i++) d = createHash("sha256").update(d).digest();
  return d.toString("hex");
}

/** One TLS connection that did its own HELLO and then PUSHes on that same socket: an open connection. */
interface OpenConn {
  readonly socket: TLSSocket;
  readonly fingerprint: string;
  readonly closed: () => boolean;
  push(queue: string): Promise<string>;
  destroy(): void;
}

async function openConn(port: number): Promise<OpenConn> {
  const sock: TLSSocket = tlsConnect({ host: "127.0.0.1", port, ca: ca.cert });
  let closed = false;
  let buf = "";
  const waiting: ((line: string) => void)[] = [];
  sock.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\r\n"); nl >= 0; nl = buf.indexOf("\r\n")) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      waiting.shift()?.(line);
    }
  });
  sock.on("error", () => undefined);
  sock.on("close", () => {
    closed = true;
    for (const w of waiting.splice(0)) w("(closed)");
  });
  const next = () => new Promise<string>((resolve) => (closed ? resolve("(closed)") : waiting.push(resolve)));
  const greeting = await next();
  if (!greeting.startsWith("+HI ")) throw new Error(`no greeting on ${port}: ${greeting}`);
  const { s, i } = JSON.parse(greeting.slice(4)) as { s: string; i: number };
  sock.write(`HELLO ${JSON.stringify({ hostname: "rotation", v: 2, pwdhash: pwdhash(s, i) })}\r\n`);
  expect(await next()).toBe("+OK");
  return {
    socket: sock,
    fingerprint: sock.getPeerCertificate().fingerprint256,
    closed: () => closed,
    push: (queue) => {
      const job = { jid: randomUUID(), jobtype: "rotate-open", queue, args: [] };
      sock.write(`PUSH ${JSON.stringify(job)}\r\n`);
      return next();
    },
    destroy: () => sock.destroy(),
  };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const FLOOD_MS = 8_000;
const FLOOD_TLS = 80;
const FLOOD_PLAIN = 200;
const FLOOD_STREAMERS = 2;

let queueSeq = 0;
const freshQueue = () => `tls-${process.pid}-${++queueSeq}`;

describe("scenario 22: TLS at the router, between pods and on the web UI", () => {
  it("refuses to start on a missing or wrong Secret: exit 2, naming the variable and the file", async () => {
    const run = (tlsDir: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [supervisorBundle(), "--", "faktory"], {
          env: {
            PATH: process.env.PATH ?? "",
            REDIS_URL: cluster.redis.url,
            FAKTORY_HA_TLS_MODE: "required",
            FAKTORY_HA_TLS_DIR: tlsDir,
          },
        });
        let stderr = "";
        p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        p.on("exit", (code) => resolve({ code, stderr }));
      });
    const missing = join(dir, "no-secret");
    expect(await run(missing)).toEqual({
      code: 2,
      stderr: `faktory-ha-supervisor: configuration error: FAKTORY_HA_TLS_DIR="${missing}": ${missing}/tls.crt cannot be read (ENOENT); expected a mounted Kubernetes TLS Secret (tls.crt, tls.key, optionally ca.crt)\n`,
    });
    const mismatched = join(dir, "secret-mismatched");
    writeSecretVolume(mismatched, { "tls.crt": leaf1.cert, "tls.key": leaf2.key });
    const wrong = await run(mismatched);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      `faktory-ha-supervisor: configuration error: FAKTORY_HA_TLS_DIR="${mismatched}": ${mismatched}/tls.key does not match ${mismatched}/tls.crt (a key of another certificate); expected a mounted Kubernetes TLS Secret (tls.crt, tls.key, optionally ca.crt)\n`,
    );
  });

  it("serves PUSH, FETCH and ACK over TLS through every router; the plain ports are closed; pod to pod is TLS", async () => {
    const primary = await cluster.primary();
    const pods = cluster.supervisors;
    const standbys = pods.filter((p) => p !== primary);
    const status = await primary.status();
    const leader = status.leader as { id: string; peer?: string };
    expect(leader).toMatchObject({ id: primary.id, peer: `127.0.0.1:${tlsPorts(primary).peerPort}` });

    // Each job pushed through one router, fetched through the next and acknowledged through the third.
    const queue = freshQueue();
    const via = pods.map((p) => tlsClient(p));
    for (let i = 0; i < 3; i++) {
      const jid = await via[i].push({ jobtype: "tls", queue, args: [i] });
      const job = (await via[(i + 1) % 3].fetch(queue)) as { jid: string; args: number[] } | null;
      expect(job).toMatchObject({ jid, args: [i] });
      expect(await via[(i + 2) % 3].ack(jid)).toBe("OK");
    }
    const info = (await via[0].info()) as { faktory: { queues: Record<string, number> } };
    expect(info.faktory.queues[queue] ?? 0).toBe(0);

    // Required: the plain job and web ports are not open at all.
    for (const p of pods) {
      for (const port of [p.ports.port, p.ports.webPort]) {
        const refused = await new Promise<string>((resolve) => {
          const s = netConnect({ host: "127.0.0.1", port });
          s.on("connect", () => resolve("connected"));
          s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
        });
        expect(refused).toBe("ECONNREFUSED");
      }
    }

    // The standbys' routers hold their clients' connections to the primary's peer TLS port, and none to
    // its internal (plain) Faktory ports; only the primary's own supervisor and peer port reach those.
    const internal = [primary.ports.internalPort, primary.ports.internalWebPort];
    for (const s of standbys) {
      const conns = connectionsOf(s.proc.pid!);
      expect(conns.filter((c) => c.remote === tlsPorts(primary).peerPort).length).toBeGreaterThan(0);
      expect(conns.filter((c) => internal.includes(c.remote))).toEqual([]);
    }
    console.log(
      JSON.stringify({
        scenario: "tls-every-router",
        routers: pods.length,
        jobs: 3,
        standbyPeerConnections: standbys.map(
          (s) => connectionsOf(s.proc.pid!).filter((c) => c.remote === tlsPorts(primary).peerPort).length,
        ),
      }),
    );
  });

  it("serves the web UI over TLS through a standby; plain HTTP on that port gets a readable 400", async () => {
    const primary = await cluster.primary();
    const standby = cluster.supervisors.find((p) => p !== primary)!;
    const port = tlsPorts(standby).webPort;
    const https = await new Promise<{ status: number; auth: string }>((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port, path: "/", ca: ca.cert }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, auth: String(res.headers["www-authenticate"] ?? "") });
      });
      req.on("error", reject);
      req.end();
    });
    // Faktory's web UI asks for the password (HTTP basic auth): the request reached it, through TLS twice.
    expect(https).toEqual({ status: 401, auth: expect.stringMatching(/^Basic /) });
    const plain = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(plain).toEqual({ status: 400, body: "This port speaks HTTPS only: use https://\n" });
  });

  it("fails a plain-text client, a wrong CA and an expired certificate clearly on the client side; the supervisor stays healthy", async () => {
    const primary = await cluster.primary();
    const standby = cluster.supervisors.find((p) => p !== primary)!;
    const target = standby;

    // A Faktory client without TLS reads, where it expects the greeting, why it was refused.
    const plain = new Client({
      host: "127.0.0.1",
      port: tlsPorts(target).port,
      password: PASSWORD,
      poolSize: 1,
    });
    plain.connectionFactory.onConnectionError = () => undefined;
    clients.push(plain);
    const plainError = await connectError(plain);
    expect(plainError.message).toBe("ERR this port speaks TLS only: connect with tcp+tls://");

    // A client that trusts another CA refuses the server's certificate.
    const wrongCa = await connectError(tlsClient(target, otherCa.cert));
    expect(wrongCa.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(wrongCa.message).toBe("unable to verify the first certificate");

    // A pod serving an expired certificate (a renewal that never came): clients refuse it.
    const expiredDir = join(dir, "secret-expired");
    writeSecretVolume(expiredDir, { "tls.crt": expired.cert, "tls.key": expired.key, "ca.crt": ca.cert });
    const stale = await startSupervisor("sup-expired", {
      ...cluster.options,
      tls: { mode: "required", dir: expiredDir },
    });
    try {
      const expiredError = await connectError(tlsClient(stale));
      expect(expiredError.code).toBe("CERT_HAS_EXPIRED");
      expect(expiredError.message).toBe("certificate has expired");
      expect(await healthz(stale)).toBe(200);
    } finally {
      stale.signalGroup("SIGKILL");
      await Promise.race([stale.exited, sleep(3_000)]);
    }

    // The router that turned them away is healthy and serves a proper client at once.
    expect(await healthz(target)).toBe(200);
    const good = tlsClient(target);
    const queue = freshQueue();
    const jid = await withTimeout(good.push({ jobtype: "tls", queue, args: [] }), 5_000);
    expect(typeof jid).toBe("string");
    const routers = (await target.status()).routers as Record<
      string,
      { active: number; protocolErrors: number }
    >;
    expect(routers.faktory.protocolErrors).toBe(0);
    console.log(
      JSON.stringify({
        scenario: "tls-refusals",
        plainText: plainError.message,
        wrongCa: wrongCa.code,
        expired: "CERT_HAS_EXPIRED",
        supervisorHealthy: true,
      }),
    );
  });

  it("does not route to a primary whose certificate its ca.crt does not sign, or that is for another name", async () => {
    const primary = await cluster.primary();
    const pki = join(dir, "pki");
    // A pod given another CA's certificate and ca.crt, and one given a certificate of the right CA for
    // another name (as another workload of the same issuer would have).
    const foreign = issue(otherCa, pki, "foreign", { dns: [SERVICE_NAME], ips: ["127.0.0.1"] });
    const otherName = issue(ca, pki, "other-name", { dns: ["other.tls-e2e.svc"], ips: ["127.0.0.1"] });
    const cases = [
      {
        id: "sup-foreign-ca",
        files: { "tls.crt": foreign.cert, "tls.key": foreign.key, "ca.crt": otherCa.cert },
        trust: otherCa.cert,
        error: "unable to verify the first certificate",
      },
      {
        id: "sup-other-name",
        files: { "tls.crt": otherName.cert, "tls.key": otherName.key, "ca.crt": ca.cert },
        trust: ca.cert,
        error: `Hostname/IP does not match certificate's altnames: Host: other.tls-e2e.svc. is not in the cert's altnames: DNS:${SERVICE_NAME}, DNS:localhost, IP Address:127.0.0.1`,
      },
    ];
    for (const c of cases) {
      const secret = join(dir, `secret-${c.id}`);
      writeSecretVolume(secret, c.files);
      const pod = await startSupervisor(c.id, {
        ...cluster.options,
        holdMs: 1_500,
        tls: { mode: "required", dir: secret },
      });
      try {
        // Its client (trusting the pod's own CA) is held for the hold time, then closed: never routed.
        const t0 = Date.now();
        const refused = await connectError(tlsClient(pod, c.trust));
        expect(refused.message).toBe("Connection closed");
        expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400);
        expect(await pod.waitFor((e) => e.event === "router.peer_dial_failed", 5_000)).toMatchObject({
          router: "faktory",
          peer: `127.0.0.1:${tlsPorts(primary).peerPort}`,
          error: c.error,
        });
        // Nothing of it reached the primary's Faktory other than through TLS: no plain connection at all.
        expect(connectionsOf(pod.proc.pid!).filter((x) => x.remote === primary.ports.internalPort)).toEqual(
          [],
        );
        expect(await healthz(pod)).toBe(200);
      } finally {
        pod.signalGroup("SIGKILL");
        await Promise.race([pod.exited, sleep(3_000)]);
      }
    }
  });

  it("bounds the handshake: a client that connects and never completes TLS is closed at the handshake timeout", async () => {
    const primary = await cluster.primary();
    // One byte of a TLS record header, then silence: neither plain text nor a handshake that completes.
    const c = new RawConn(tlsPorts(primary).port);
    expect(await c.whenConnected()).toBe(true);
    c.write(Buffer.from([0x16]));
    const t0 = Date.now();
    expect(await c.whenClosed(5_000)).toBe(true);
    const ms = Date.now() - t0;
    // The router's handshake timeout (FAKTORY_HA_HANDSHAKE_TIMEOUT_MS, 2 s by default) counts from accept.
    expect(ms).toBeLessThan(3_000);
    expect(c.lines).toEqual([]);
    expect(await healthz(primary)).toBe(200);
  });

  it("rotates the certificate under load: new connections get it within 60 s, open ones carry on, the lease stays", async () => {
    const primary = await cluster.primary();
    const pods = cluster.supervisors;
    const epoch = await epochOf(primary);
    const eventsFrom = pods.map((p) => p.events.length);
    for (const p of pods) expect((await peerCert(tlsPorts(p).port)).fingerprint).toBe(leaf1.fingerprint);

    // Load: one producer per router, each on one pooled TLS connection, pushing until told to stop.
    const queue = freshQueue();
    const producers = pods.map((p) => tlsClient(p));
    const errors: string[] = [];
    let pushed = 0;
    let running = true;
    const load = producers.map(async (c) => {
      while (running) {
        try {
          await withTimeout(c.push({ jobtype: "rotate", queue, args: [randomUUID()] }), 5_000);
          pushed++;
        } catch (e) {
          errors.push(String(e));
        }
        await sleep(5);
      }
    });
    // And one hand-made connection per router that stays open through the rotation.
    const open = await Promise.all(pods.map((p) => openConn(tlsPorts(p).port)));
    const openReplies: string[] = [];
    const openLoad = open.map(async (c) => {
      while (running) {
        openReplies.push(await c.push(queue));
        await sleep(20);
      }
    });
    await sleep(500);
    const pushedBefore = pushed;

    // Handshake cost on this machine, with the first certificate (for the figures).
    const handshakes: number[] = [];
    for (let i = 0; i < 30; i++) handshakes.push((await peerCert(tlsPorts(primary).port)).ms);

    // The kubelet's swap of the Secret volume to a renewed certificate.
    const t0 = Date.now();
    writeSecretVolume(secretDir, { "tls.crt": leaf2.cert, "tls.key": leaf2.key, "ca.crt": ca.cert });
    const seenAt = new Map<string, number>();
    while (seenAt.size < pods.length && Date.now() - t0 < 60_000) {
      for (const p of pods) {
        if (seenAt.has(p.id)) continue;
        if ((await peerCert(tlsPorts(p).port)).fingerprint === leaf2.fingerprint)
          seenAt.set(p.id, Date.now() - t0);
      }
      await sleep(50);
    }
    expect([...seenAt.keys()].sort()).toEqual(pods.map((p) => p.id).sort());
    // The web port and the primary's peer port serve it too (the peer port answers only on the primary).
    for (const p of pods) expect((await peerCert(tlsPorts(p).webPort)).fingerprint).toBe(leaf2.fingerprint);
    const peer = await peerCert(tlsPorts(primary).peerPort, {
      servername: SERVICE_NAME,
      ALPNProtocols: ["faktory-ha-job"],
    });
    expect(peer.fingerprint).toBe(leaf2.fingerprint);

    // A bad new pair (the old certificate with the new key) is refused and logged; the good one stays.
    writeSecretVolume(secretDir, { "tls.crt": leaf1.cert, "tls.key": leaf2.key, "ca.crt": ca.cert });
    for (const [i, p] of pods.entries()) {
      const failed = await p.waitFor((e) => e.event === "tls.reload_failed", 30_000, eventsFrom[i]);
      expect(failed).toMatchObject({
        error: `${secretDir}/tls.key does not match ${secretDir}/tls.crt (a key of another certificate)`,
        kept: leaf2.fingerprint,
      });
      expect(JSON.stringify(failed)).not.toContain("PRIVATE KEY");
      expect((await peerCert(tlsPorts(p).port)).fingerprint).toBe(leaf2.fingerprint);
    }
    await sleep(1_000);
    running = false;
    await Promise.all([...load, ...openLoad]);

    // Open connections carried on: no producer error, pushes went on through the swap, no lease movement.
    expect(errors).toEqual([]);
    expect(pushed).toBeGreaterThan(pushedBefore + 50);
    // The open connections: never closed, every PUSH answered +OK, still on the certificate they began with.
    expect(open.map((c) => c.closed())).toEqual([false, false, false]);
    expect(open.map((c) => c.fingerprint)).toEqual(pods.map(() => leaf1.fingerprint));
    expect(openReplies.length).toBeGreaterThan(50);
    expect(openReplies.filter((r) => r !== "+OK")).toEqual([]);
    for (const c of open) c.destroy();
    expect(await epochOf(primary)).toBe(epoch);
    for (const [i, p] of pods.entries()) {
      const later = p.events.slice(eventsFrom[i]);
      expect(later.filter((e) => /^lease\.(demoted|acquired|promoted)$/.test(e.event))).toEqual([]);
      expect(later.find((e) => e.event === "tls.reloaded")).toMatchObject({
        fingerprint: leaf2.fingerprint,
        previous: leaf1.fingerprint,
      });
    }
    const sorted = [...handshakes].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        scenario: "tls-rotation",
        pickupMs: Object.fromEntries(seenAt),
        pushedDuringTest: pushed,
        openConnectionPushes: openReplies.length,
        errors: errors.length,
        epochUnchanged: true,
        handshakeMs: { p50: +sorted[15].toFixed(2), max: +sorted.at(-1)!.toFixed(2) },
      }),
    );
  });

  it("keeps the lease on time under a flood of TLS handshakes, silent plain connections and endless TLS lines", async () => {
    const primary = await cluster.primary();
    const port = tlsPorts(primary).port;
    const epoch = await epochOf(primary);
    const eventsFrom = primary.events.length;
    const pid = primary.proc.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    const until = t0 + FLOOD_MS;
    const stats = { tlsHandshakes: 0, plainOpened: 0, streamedBytes: 0 };
    // Handshakes that never HELLO: each is closed at the handshake time and opened again.
    const idleTls = Array.from({ length: FLOOD_TLS }, async () => {
      while (Date.now() < until) {
        await new Promise<void>((resolve) => {
          const s = tlsConnect({ host: "127.0.0.1", port, ca: ca.cert }, () => stats.tlsHandshakes++);
          s.on("data", () => undefined);
          s.on("error", () => undefined);
          s.once("close", () => resolve());
          setTimeout(() => s.destroy(), Math.max(0, until - Date.now()));
        });
        await sleep(10);
      }
    });
    // Plain connections that say nothing: each is told the port speaks TLS after 1 s, and comes back.
    const silentPlain = Array.from({ length: FLOOD_PLAIN }, async () => {
      while (Date.now() < until) {
        await new Promise<void>((resolve) => {
          const s = netConnect({ host: "127.0.0.1", port });
          stats.plainOpened++;
          s.on("data", () => undefined);
          s.on("error", () => undefined);
          s.once("close", () => resolve());
          setTimeout(() => s.destroy(), Math.max(0, until - Date.now()));
        });
        await sleep(10);
      }
    });
    // Authenticated TLS clients writing one line that never ends.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const streamers = Array.from({ length: FLOOD_STREAMERS }, async () => {
      while (Date.now() < until) {
        // Under the flood this process itself may be too slow for the handshake bound: try again.
        const c = await openConn(port).catch(() => null);
        if (!c) continue;
        const sock = c.socket;
        await new Promise<void>((resolve) => {
          const pump = () => {
            while (Date.now() < until && sock.writable) {
              stats.streamedBytes += chunk.length;
              if (!sock.write(chunk)) return void sock.once("drain", pump);
            }
            sock.destroy();
          };
          sock.once("close", () => resolve());
          setTimeout(() => sock.destroy(), Math.max(0, until - Date.now()));
          pump();
        });
      }
    });
    const good = tlsClient(primary);
    const pushMs: number[] = [];
    const pushErrors: string[] = [];
    await sleep(1_000);
    while (Date.now() < until - 500) {
      const s = Date.now();
      try {
        await withTimeout(good.push({ jobtype: "flood", queue: freshQueue(), args: [] }), 5_000);
        pushMs.push(Date.now() - s);
      } catch (e) {
        pushErrors.push(String(e));
      }
      await sleep(200);
    }
    await Promise.all([...idleTls, ...silentPlain, ...streamers]);
    const cpu = cpuSeconds(pid) - cpu0;
    const after = await withTimeout(primary.status(), 5_000);
    const renew = after.renewLatencyMs as { recent: number[] };
    const duringFlood = renew.recent.slice(-Math.floor(FLOOD_MS / 450));
    const sorted = [...pushMs].sort((x, y) => x - y);
    console.log(
      JSON.stringify({
        scenario: "tls-flood",
        floodMs: FLOOD_MS,
        ...stats,
        streamedMiB: Math.round(stats.streamedBytes / 2 ** 20),
        renewMaxMs: Math.max(...duringFlood),
        supervisorCpuPercent: Math.round((cpu / ((Date.now() - t0) / 1000)) * 100),
        goodPush: { n: pushMs.length, p50Ms: sorted[Math.floor(sorted.length / 2)], maxMs: sorted.at(-1) },
      }),
    );
    expect(Number(after.epoch)).toBe(epoch);
    expect(after.role).toBe("primary");
    expect(primary.events.slice(eventsFrom).filter((e) => e.event === "lease.demoted")).toEqual([]);
    expect(duringFlood.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...duringFlood)).toBeLessThan(1200 / 2);
    expect(stats.tlsHandshakes).toBeGreaterThan(FLOOD_TLS);
    // Each streamer reached the line bound (8 MiB) at least once: the router was made to cut lines.
    expect(stats.streamedBytes).toBeGreaterThanOrEqual(FLOOD_STREAMERS * 8 * 2 ** 20);
    // The well-behaved client got through all along (this process also drives the flood: the count of its
    // pushes says more about this process's CPU than about the router's).
    expect(pushErrors).toEqual([]);
    expect(pushMs.length).toBeGreaterThanOrEqual(5);
    expect(await healthz(primary)).toBe(200);
  });
});
