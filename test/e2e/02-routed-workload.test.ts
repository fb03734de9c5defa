import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoopbackCluster, type LoopbackCluster } from "../support/loopback";
import { audit, client, drain, Ledger, producer, worker } from "./support/workload";

// Scenario 2: the seed's workload (FETCH through one entry point, ACK through another) through three
// supervisors. Every connection reaches the one primary, so every ACK lands.
const PASSWORD = "e2e-secret";
let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s2" });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 2: FETCH and ACK through different routers", () => {
  it("ACKs land: no reservation left, no re-run, nothing lost", async () => {
    const primary = await cluster.primary();
    const [a, b, c] = cluster.supervisors;
    const st = await b.status();
    expect(st.leader).toMatchObject({ id: primary.id });
    expect(st.role).toBe(b === primary ? "primary" : "secondary");

    const ledger = new Ledger();
    const queue = "s2";
    const clients = [client(a.ports.port, PASSWORD), client(b.ports.port, PASSWORD, "w-s2")];
    const acker = client(c.ports.port, PASSWORD, "w-s2");
    const prod = producer(ledger, clients[0], queue);
    const work = worker(ledger, clients[1], acker, queue);
    await new Promise((r) => setTimeout(r, 1500));
    await prod.stop();
    await drain(ledger, 3000, 15_000);
    await work.stop();

    const result = await audit(ledger, cluster.redis.client, queue);
    console.log("scenario 2", JSON.stringify({ ...result, lost: result.lost.length }));
    expect(result.pushed).toBeGreaterThan(50);
    expect(result.pushErrors).toBe(0);
    expect(result.ackErrors).toBe(0);
    expect(result.ran).toBe(result.pushed);
    expect(result.duplicates).toBe(0);
    expect(result.lost).toEqual([]);
    // The reservations were really cleared, not just answered OK.
    expect(await cluster.redis.client.zcard("working")).toBe(0);
    for (const cl of [...clients, acker]) await cl.close();
  });

  it("exposes status, readiness and metrics on every pod, without the password", async () => {
    const primary = await cluster.primary();
    for (const s of cluster.supervisors) {
      const base = `http://127.0.0.1:${s.ports.healthPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const status = await s.status();
      expect(status).toMatchObject({
        role: s === primary ? "primary" : "secondary",
        id: s.id,
        leader: { id: primary.id, addr: `127.0.0.1:${primary.ports.internalPort}` },
        redis: { ok: true },
      });
      expect(typeof status.epoch).toBe("number");
      expect(Number.isNaN(Date.parse(String(status.since)))).toBe(false);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`faktory_ha_role{role="${s === primary ? "primary" : "secondary"}"} 1`);
      expect(metrics).toMatch(/faktory_ha_router_connections_total\{router="faktory"\} \d+/);
      expect(metrics).toContain(`faktory_ha_is_primary ${s === primary ? 1 : 0}\n`);
      expect(metrics).toMatch(/faktory_ha_lease_renew_seconds_bucket\{le="0.005"\} \d+/);
      // Faktory's own figures come from the primary only.
      if (s === primary) expect(metrics).toContain("faktory_up 1\n");
      else expect(metrics).not.toMatch(/^faktory_(?!ha_)/m);
      const all = JSON.stringify(status) + metrics + s.events.map((e) => JSON.stringify(e)).join("\n");
      expect(all).not.toContain(PASSWORD);
    }
  });

  it("serves Faktory's web UI through any router", async () => {
    for (const s of cluster.supervisors) {
      const res = await fetch(`http://127.0.0.1:${s.ports.webPort}/`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}` },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Faktory");
    }
  });
});
