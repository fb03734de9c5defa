import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoopbackCluster, type LoopbackCluster } from "../support/loopback";
import { client, sleep } from "./support/workload";

// Scenario 14: a standby pod replaced (a rolling update, a drain) while clients send through its
// router. The router ends each connection between commands, never with a command in flight, so a
// PUSH that fails was never sent: retrying it cannot store a job twice. (faktory-worker does not check
// a pooled connection before using it, so the next command on each closed connection still fails.)
const PASSWORD = "e2e-secret";
let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s14" });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 14: a standby replaced under its clients", () => {
  it("closes its clients' connections between commands: a failed PUSH was never stored", async () => {
    const primary = await cluster.primary();
    const standby = cluster.supervisors.find((s) => s !== primary)!;
    // Producers through the standby's router, each pausing between PUSHes as an application does.
    const producers = Array.from({ length: 8 }, (_, i) => ({
      c: client(standby.ports.port, PASSWORD),
      pushed: 0,
      errors: [] as string[],
      i,
    }));
    let running = true;
    const loops = producers.map(async (p) => {
      while (running) {
        try {
          await p.c.push({ jobtype: "s14", queue: "s14", args: [p.i, p.pushed] });
          p.pushed++;
        } catch (e) {
          p.errors.push(String(e));
        }
        await sleep(5 + p.i);
      }
    });
    await sleep(1_000);
    const before = producers.reduce((n, p) => n + p.pushed, 0);
    standby.signalGroup("SIGTERM");
    await standby.exited;
    running = false;
    await Promise.all(loops);
    await Promise.all(producers.map((p) => p.c.close().catch(() => undefined)));
    // Once the router stopped accepting, new connections to this address are refused: behind a Service
    // they would go to another pod. What must not happen is a command cut or a closed connection.
    const errors = producers.flatMap((p) => p.errors);
    const cut = errors.filter((e) => !/ECONNREFUSED/.test(e));
    console.log(
      "scenario 14",
      JSON.stringify({
        pushedBefore: before,
        refused: errors.length - cut.length,
        failed: cut.length,
        sample: cut.slice(0, 3),
      }),
    );
    const pushed = producers.reduce((n, p) => n + p.pushed, 0);
    expect(before).toBeGreaterThan(50);
    // Every job stored was acknowledged to its producer, and every acknowledged one is stored.
    expect(await cluster.redis.client.llen("s14")).toBe(pushed);
  });
});
