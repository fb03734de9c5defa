import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startCluster,
  startSupervisor,
  waitForPrimary,
  type Cluster,
} from "../../supervisor/dev/local-cluster";
import { audit, client, drain, Ledger, producer, sleep, worker } from "./support/workload";

// Scenario 5: producers and workers through random routers while primaries are killed at random.
const PASSWORD = "e2e-secret";
const DURATION_MS = Number(process.env.CHAOS_DURATION_MS ?? 25_000);
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s5", ttlMs: 3000 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe("scenario 5: chaos", () => {
  it("every pushed job runs at least once or is still stored for a run; none is lost", async () => {
    await cluster.primary();
    const ports = cluster.supervisors.map((s) => s.ports.port);
    const ledger = new Ledger();
    const pool = (wid?: string) => ports.map((p) => client(p, PASSWORD, wid));
    const producers = [pool(), pool()];
    const workers = [pool("w-chaos-1"), pool("w-chaos-2")];
    const extra = { reserve_for: 60 };
    const loops = [
      producer(ledger, producers[0], "chaos", extra),
      producer(ledger, producers[1], "chaos", extra),
      worker(ledger, workers[0], workers[1], "chaos"),
      worker(ledger, workers[1], workers[0], "chaos"),
    ];
    const kills: { at: number; id: string; signal: string }[] = [];
    const start = Date.now();
    while (Date.now() - start < DURATION_MS) {
      await sleep(2000 + Math.random() * 3000);
      const victim = await waitForPrimary(cluster.supervisors, 20_000);
      const signal = Math.random() < 0.5 ? "SIGTERM" : "SIGKILL";
      kills.push({ at: Date.now() - start, id: victim.id, signal });
      if (signal === "SIGTERM") victim.proc.kill("SIGTERM");
      else victim.signalGroup("SIGKILL");
      await victim.exited;
      // Kubernetes restarts the pod: same name, same ports.
      const fresh = await startSupervisor(victim.id, cluster.options, victim.ports);
      cluster.supervisors[cluster.supervisors.indexOf(victim)] = fresh;
    }
    await waitForPrimary(cluster.supervisors, 20_000);
    await Promise.all(loops.slice(0, 2).map((l) => l.stop()));
    await drain(ledger, 5000, 30_000);
    await Promise.all(loops.slice(2).map((l) => l.stop()));
    for (const c of [...producers, ...workers].flat()) await c.close().catch(() => undefined);

    const result = await audit(ledger, cluster.redis.client, "chaos");
    const { duplicated, ...summary } = result;
    console.log(
      "scenario 5",
      JSON.stringify({
        durationMs: DURATION_MS,
        kills,
        ...summary,
        lost: result.lost.length,
        duplicatedJids: duplicated.length,
        lostDetail: result.lost.map((jid) => ({ jid, pushedAtMs: (ledger.pushed.get(jid) ?? 0) - start })),
      }),
    );
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(result.pushed).toBeGreaterThan(100);
    expect(result.lost).toEqual([]);
    expect(result.ran + result.pending).toBe(result.pushed);
  });
});
