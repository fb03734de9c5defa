import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "faktory-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startLoopbackCluster,
  startSupervisor,
  waitForPrimary,
  withTimeout,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { podSecret, type Ca } from "../support/tls";

// Scenario 24: switching a running deployment to TLS, pod by pod, as a rolling update does. A primary
// without TLS announces no peer TLS port: a pod in mode optional (the migration step) still reaches it,
// in plain text, and says so; a pod in mode required does not route to it at all (never plain text
// between pods) and says so. Once the old pod hands over, the TLS pods route to each other's peer port.
const PASSWORD = "tls-migration-pw";

let dir: string;
let ca: Ca;
let cluster: LoopbackCluster;
let old: SupervisorHandle;
let optional: SupervisorHandle;
let required: SupervisorHandle;
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s24-"));
  const tls = podSecret(dir, { dns: ["faktory.migration.svc"], ips: ["127.0.0.1"] });
  ca = tls.ca;
  const secret = tls.secretDir;
  // The pod of the old release (no TLS) is primary before the others start.
  cluster = await startLoopbackCluster(1, { password: PASSWORD, quiet: true, prefix: "fha-s24" });
  old = await cluster.primary(30_000);
  optional = await startSupervisor("sup-optional", {
    ...cluster.options,
    tls: { mode: "optional", dir: secret },
  });
  required = await startSupervisor("sup-required", {
    ...cluster.options,
    holdMs: 1_500,
    tls: { mode: "required", dir: secret },
  });
  cluster.supervisors.push(optional, required);
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function client(port: number, tls: boolean): Client {
  const c = new Client({
    host: "127.0.0.1",
    port,
    password: PASSWORD,
    poolSize: 1,
    ...(tls && { tlsOptions: { ca: ca.cert } }),
  });
  c.connectionFactory.onConnectionError = () => undefined;
  clients.push(c);
  return c;
}

const push = (c: Client) => withTimeout(c.push({ jobtype: "migration", queue: "s24", args: [] }), 10_000);

describe("scenario 24: a rolling switch to TLS", () => {
  it("optional reaches a primary without TLS in plain text and says so; required refuses to and says so", async () => {
    const leader = (await old.status()).leader as Record<string, unknown>;
    expect(leader).toEqual({ id: old.id, addr: expect.any(String), web: expect.any(String) });

    // Mode optional: the plain port and the TLS port both serve.
    expect(typeof (await push(client(optional.ports.port, false)))).toBe("string");
    expect(typeof (await push(client(optional.ports.tls!.port, true)))).toBe("string");
    expect(await optional.waitFor((e) => e.event === "router.peer_plain", 5_000)).toMatchObject({
      leader: old.id,
      action: "the primary serves no peer TLS port: routing to it in plain text (mode optional)",
    });

    // Mode required: the client's connection is held, then closed at the hold time; nothing went plain.
    // (connect() opens one connection and HELLOs, without the pool's retries.)
    const t0 = Date.now();
    const refused = await withTimeout(client(required.ports.tls!.port, true).connect(), 10_000).then(
      () => "served",
      (e: Error) => e.message,
    );
    const heldMs = Date.now() - t0;
    expect(refused).toBe("Connection closed");
    expect(heldMs).toBeGreaterThanOrEqual(1_400); // held for the hold time (1.5 s), not refused at once
    expect(await required.waitFor((e) => e.event === "router.peer_tls_missing", 5_000)).toMatchObject({
      leader: old.id,
      action:
        "the primary serves no peer TLS port: not routing to it (mode required); switch every pod to TLS",
    });
    expect((await fetch(`http://127.0.0.1:${required.ports.healthPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${required.ports.healthPort}/readyz`)).status).toBe(503);
  });

  it("once the old pod hands over, every TLS pod serves, and the new primary is reached through its peer port", async () => {
    old.signalGroup("SIGTERM");
    await old.exited;
    const primary = await waitForPrimary([optional, required], 30_000);
    const leader = (await primary.status()).leader as { peer?: string };
    expect(leader.peer).toBe(`127.0.0.1:${primary.ports.tls!.peerPort}`);
    for (const s of [optional, required]) {
      expect(typeof (await push(client(s.ports.tls!.port, true)))).toBe("string");
    }
    expect((await fetch(`http://127.0.0.1:${required.ports.healthPort}/readyz`)).status).toBe(200);
  });
});
