import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type LogEvent,
  type SupervisorHandle,
} from "../support/loopback";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import { routedLoad } from "./support/routed-load";
import { audit, sleep } from "./support/workload";

// Scenario 26: the primary's container dies (every process SIGKILLed: the OOM killer, a crash of the
// supervisor) and the kubelet restarts it in the same pod — same name, same pod UID — while the load goes
// through the other pods' routers. The restarted supervisor finds its previous container's term in Redis
// and knows that Faktory died with the container, so it starts at once (bound "restart") instead of
// waiting out the term's fence. A pod replaced under the same name (a new UID, as after a delete or a
// node loss) is not the same pod and still waits: the control trials.
const PASSWORD = "container-restart";
// The restarted container must be running again before its old term expires, or a standby takes over at
// expiry and the trial shows nothing: 6 s leaves a node process room to start on a loaded machine (at 3 s a
// busy run lost that race), and the replaced pods' wait stays plainly longer than the restarts'.
const TTL = 6000;
const SAME_POD_TRIALS = 4;
const NEW_POD_TRIALS = 2;

let cluster: LoopbackCluster;
/** Every supervisor process the test ran, and when the test killed it (for Faktory lives). */
const everyPod: SupervisorHandle[] = [];
const killedAt = new Map<SupervisorHandle, number>();

beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s26", ttlMs: TTL });
  everyPod.push(...cluster.supervisors);
});
afterAll(async () => {
  await cluster?.stop();
});

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

interface Trial {
  readonly samePod: boolean;
  readonly killed: string;
  /** Who acquired the next term, and which bound its start waited for. */
  readonly next: { id: string; epoch: number; bound: string; waitMs: number };
  /** From the kill to the next Faktory's `faktory.ready`. */
  readonly readyAfterKillMs: number;
}

/** Kills the primary's whole process group, restarts it as the kubelet would, and times the next Faktory. */
async function trial(samePod: boolean): Promise<Trial> {
  const primary = await waitForPrimary(cluster.supervisors, 30_000);
  const st = await primary.status();
  const faktoryPid = (st.faktory as { pid: number }).pid;
  const epoch = st.epoch as number;
  const marks = new Map(cluster.supervisors.map((s) => [s, s.events.length]));
  const t0 = Date.now();
  primary.signalGroup("SIGKILL");
  killedAt.set(primary, t0);
  await primary.exited;
  // A container's processes are all gone before the kubelet starts it again (its PID namespace dies
  // with its first process).
  while (!gone(faktoryPid)) await sleep(5);
  const fresh = await cluster.restart(primary, { samePod });
  everyPod.push(fresh);
  marks.set(fresh, 0);
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const s of cluster.supervisors) {
      const events = s.events.slice(marks.get(s) ?? 0);
      const acquired = events.find((e) => e.event === "lease.acquired" && (e.epoch as number) > epoch);
      const ready = events.find((e) => e.event === "faktory.ready");
      if (acquired && ready) {
        const waiting = acquired as LogEvent & { bound?: string; waitMs?: number };
        return {
          samePod,
          killed: primary.id,
          next: {
            id: s.id,
            epoch: acquired.epoch as number,
            bound: String(waiting.bound),
            waitMs: Number(waiting.waitMs),
          },
          readyAfterKillMs: (ready.at as number) - t0,
        };
      }
    }
    if (Date.now() > deadline) throw new Error(`no Faktory ready within 30 s of killing ${primary.id}`);
    await sleep(20);
  }
}

describe("scenario 26: the primary's container restarted inside its pod", () => {
  it(`${SAME_POD_TRIALS} container restarts start Faktory at once on the same pod; ${NEW_POD_TRIALS} pods replaced under the same name still wait; never two Faktory, nothing lost beyond the FETCH window`, async () => {
    await waitForPrimary(cluster.supervisors, 30_000);
    // The load goes through the routers of the pods that are not killed, as a load balancer would send it.
    const primary = await waitForPrimary(cluster.supervisors, 30_000);
    const load = routedLoad(
      "s26",
      cluster.supervisors.filter((s) => s !== primary),
      PASSWORD,
      10,
    );
    const trials: Trial[] = [];
    try {
      await sleep(1000);
      for (const samePod of [
        ...Array<boolean>(SAME_POD_TRIALS).fill(true),
        ...Array<boolean>(NEW_POD_TRIALS).fill(false),
      ]) {
        // Only the pods the load does not go through are killed: make the primary one of them again.
        const p = await waitForPrimary(cluster.supervisors, 30_000);
        if (p.id !== primary.id) {
          await sleep(TTL);
          continue;
        }
        trials.push(await trial(samePod));
        await sleep(1500);
      }
    } finally {
      await load.stop();
    }
    const result = await audit(load.ledger, cluster.redis.client, "s26");
    const lives = faktoryLives(everyPod, (s) => killedAt.get(s) ?? Date.now());
    const kills = [...killedAt.values()];
    const fetchesCut = load.ledger.fetchErrors.filter((t) =>
      kills.some((k) => t >= k && t <= k + 5000),
    ).length;
    console.log(
      "scenario 26",
      JSON.stringify({
        trials,
        maxOverlapMs: maxOverlapMs(lives),
        pushed: result.pushed,
        lost: result.lost.length,
        duplicates: result.duplicates,
        pushErrors: result.pushErrors,
        fetchesCut,
      }),
    );
    const same = trials.filter((t) => t.samePod);
    const replaced = trials.filter((t) => !t.samePod);
    expect(same.length).toBeGreaterThanOrEqual(2);
    expect(replaced.length).toBeGreaterThanOrEqual(1);
    for (const t of same) expect(t.next).toMatchObject({ id: t.killed, bound: "restart", waitMs: 0 });
    for (const t of replaced) expect(t.next.bound).not.toBe("restart");
    expect(maxOverlapMs(lives)).toBeLessThanOrEqual(0);
    // OSS Faktory's FETCH is BRPOP, then ZADD of the reservation: a job popped by a FETCH the kill cut is
    // gone (DESIGN §3), with any supervisor. Only jobs sent before a kill, no more than the FETCHes cut.
    expect(result.lost.length).toBeLessThanOrEqual(fetchesCut);
    for (const jid of result.lost) {
      const sent = load.ledger.pushSent.get(jid) ?? Infinity;
      expect(
        kills.some((k) => sent <= k),
        `lost ${jid} sent at ${sent}, kills at ${kills.join(",")}`,
      ).toBe(true);
    }
    expect(result.ran + result.pending + result.lost.length).toBe(result.pushed);
  });
});
