import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startLoopbackCluster,
  waitForPrimary,
  withTimeout,
  type LoopbackCluster,
  type LogEvent,
  type SupervisorHandle,
} from "../support/loopback";
import { faktoryLives, maxOverlapMs } from "./support/overlap";
import { describeSupervisors, maxGapWithTail } from "./support/routed-load";
import {
  audit,
  client,
  drain,
  Ledger,
  producer,
  sleep,
  worker,
  type Audit,
  type Loop,
} from "./support/workload";

// Scenario 16 (issue 15, case 2): the primary's Faktory exits without being asked — an operator's kill,
// the OOM killer taking the child only — while its supervisor lives on. Faktory answers commands sent
// during its shutdown with "-ERR shutdown in progress", which makes every router that sees it treat the
// term as draining. Whatever runs the next Faktory, every router must serve PUSH again soon after it is
// ready: per router, the first successful PUSH through that router after the replacement's
// `faktory.ready`. Each router has its own producer, worker and queue, so a router that never comes back
// shows as that router's figure, not hidden in an average. SIGTERM (Faktory refuses commands while it
// shuts down) and SIGKILL (the OOM killer: no refusals, the FETCH window of DESIGN §3 applies) each get
// their own load and audit.
const PASSWORD = "faktory-restart";
const TTL = 3000;
const TERM_TRIALS = 10;
/** The OOM killer's way: no shutdown refusals, but the same unasked exit. */
const KILL_TRIALS = 4;
/** Done-when of issue 15: every router serves PUSH again within this long of the replacement's ready. */
const BACK_WITHIN_MS = 3000;
/** How long a trial waits for every router; a router not back by then counts as never. */
const WINDOW_MS = 10_000;
/** After every router is back: PUSH must keep working this long (no new stall right after). */
const STEADY_MS = 1000;

let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(3, { password: PASSWORD, quiet: true, prefix: "fha-s16", ttlMs: TTL });
});
afterAll(async () => {
  await cluster?.stop();
});

interface PerRouter {
  readonly sup: SupervisorHandle;
  readonly queue: string;
  readonly ledger: Ledger;
  readonly loops: Loop[];
  readonly close: () => Promise<void>;
}

function loadThrough(sup: SupervisorHandle, i: number, tag: string): PerRouter {
  const ledger = new Ledger();
  const queue = `s16-${tag}-${i}`;
  const plain = client(sup.ports.port, PASSWORD);
  const fetcher = client(sup.ports.port, PASSWORD, `w-s16-${tag}-${i}`);
  return {
    sup,
    queue,
    ledger,
    loops: [producer(ledger, plain, queue, {}, 10), worker(ledger, fetcher, plain, queue)],
    close: async () => {
      await Promise.all([plain, fetcher].map((c) => withTimeout(c.close(), 3000).catch(() => undefined)));
    },
  };
}

function firstPushAfter(ledger: Ledger, at: number): number | null {
  let first: number | null = null;
  for (const t of ledger.pushed.values()) if (t >= at && (first === null || t < first)) first = t;
  return first;
}

/** The first `faktory.ready` of another Faktory than `pid` logged by any supervisor since `marks`. */
async function replacementReady(
  marks: Map<SupervisorHandle, number>,
  pid: number,
  timeoutMs: number,
): Promise<{ sup: SupervisorHandle; ready: LogEvent }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const s of cluster.supervisors) {
      const ready = s.events
        .slice(marks.get(s) ?? 0)
        .find((e) => e.event === "faktory.ready" && e.pid !== pid);
      if (ready) return { sup: s, ready };
    }
    await sleep(20);
  }
  throw new Error(`no Faktory ready after killing ${pid}: ${await describeSupervisors(cluster.supervisors)}`);
}

interface Trial {
  readonly killed: { id: string; epoch: number; pid: number };
  readonly replacement: { id: string; epoch: number; pid: number };
  /** From the kill to the replacement's `faktory.ready`. */
  readonly readyAfterKillMs: number;
  /** Per router: first PUSH through it after the replacement was ready (null: not within the window). */
  readonly backAfterReadyMs: (number | null)[];
  /** Per router: longest PUSH gap from the replacement's ready to the end of the trial. */
  readonly gapAfterReadyMs: number[];
}

/** Kills the primary's Faktory child `trialCount` times with `signal` and measures each router's return. */
async function killTrials(signal: "SIGTERM" | "SIGKILL", trialCount: number): Promise<void> {
  const routers = cluster.supervisors.map((s, i) => loadThrough(s, i, signal));
  const trials: Trial[] = [];
  const kills: number[] = [];
  let audits: Audit[] = [];
  try {
    await waitForPrimary(cluster.supervisors, 30_000);
    await sleep(1500);
    for (let n = 0; n < trialCount; n++) {
      const primary = await waitForPrimary(cluster.supervisors, 30_000);
      const st = await primary.status();
      const pid = (st.faktory as { pid: number }).pid;
      const epoch = st.epoch as number;
      const marks = new Map(cluster.supervisors.map((s) => [s, s.events.length]));
      const killedAt = Date.now();
      kills.push(killedAt);
      process.kill(pid, signal);
      const { sup, ready } = await replacementReady(marks, pid, 30_000);
      const readyAt = ready.at as number;
      const windowEnd = readyAt + WINDOW_MS;
      while (
        Date.now() < windowEnd &&
        routers.some((r) => {
          const first = firstPushAfter(r.ledger, readyAt);
          return first === null || Date.now() - first < STEADY_MS;
        })
      ) {
        await sleep(50);
      }
      const end = Date.now();
      const back = routers.map((r) => {
        const first = firstPushAfter(r.ledger, readyAt);
        return first === null ? null : first - readyAt;
      });
      trials.push({
        killed: { id: primary.id, epoch, pid },
        replacement: { id: sup.id, epoch: ready.epoch as number, pid: ready.pid as number },
        readyAfterKillMs: readyAt - killedAt,
        backAfterReadyMs: back,
        gapAfterReadyMs: routers.map((r) => maxGapWithTail(r.ledger, readyAt, end)),
      });
      // A router that never came back will not come back on the next trial either: stop early.
      if (trials.slice(-2).filter((t) => t.backAfterReadyMs.includes(null)).length === 2) break;
      await sleep(500);
    }
  } finally {
    await Promise.race([Promise.all(routers.map((r) => r.loops[0].stop())), sleep(20_000)]);
    for (const r of routers) await drain(r.ledger, 4000, 20_000);
    await Promise.race([Promise.all(routers.map((r) => r.loops[1].stop())), sleep(20_000)]);
    await Promise.all(routers.map((r) => r.close()));
    audits = await Promise.all(routers.map((r) => audit(r.ledger, cluster.redis.client, r.queue)));
  }
  const lives = faktoryLives(cluster.supervisors);
  const overlap = maxOverlapMs(lives);
  const worst = trials.map((t) =>
    t.backAfterReadyMs.reduce<number | null>((w, b) => (w === null || b === null ? null : Math.max(w, b)), 0),
  );
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const med = (xs: number[]) => (xs.length ? sorted(xs)[Math.floor(xs.length / 2)] : null);
  const known = worst.filter((w): w is number => w !== null);
  const sum = (f: (a: Audit) => number) => audits.reduce((acc, a) => acc + f(a), 0);
  // OSS Faktory's FETCH is BRPOP, then ZADD of the reservation: a job popped by a FETCH in flight when
  // its Faktory is SIGKILLed is gone (DESIGN §3). Such a loss shows as that worker's FETCH failing
  // right after the kill. A SIGTERM lets Faktory finish what it started: nothing may be lost.
  const fetchesCut =
    signal === "SIGKILL"
      ? routers.flatMap((r) => r.ledger.fetchErrors).filter((t) => kills.some((k) => t >= k && t <= k + 5000))
          .length
      : 0;
  console.log(
    "scenario 16",
    JSON.stringify({
      signal,
      trials: trials.length,
      routersNeverBack: trials.map((t) => t.backAfterReadyMs.filter((b) => b === null).length),
      sameTerm: trials.filter((t) => t.replacement.epoch === t.killed.epoch).length,
      readyAfterKillMsMedian: med(trials.map((t) => t.readyAfterKillMs)),
      readyAfterKillMsMax: Math.max(...trials.map((t) => t.readyAfterKillMs)),
      worstRouterBackMsMedian: med(known),
      worstRouterBackMsMax: known.length ? Math.max(...known) : null,
      gapAfterReadyMsMax: Math.max(...trials.flatMap((t) => t.gapAfterReadyMs)),
      trialsDetail: trials.map((t) => ({
        killed: `${t.killed.id}@${t.killed.epoch}`,
        replacement: `${t.replacement.id}@${t.replacement.epoch}`,
        readyAfterKillMs: t.readyAfterKillMs,
        backAfterReadyMs: t.backAfterReadyMs,
      })),
      faktoryLives: lives.length,
      maxOverlapMs: overlap,
      pushed: sum((a) => a.pushed),
      ran: sum((a) => a.ran),
      pending: sum((a) => a.pending),
      lost: sum((a) => a.lost.length),
      duplicates: sum((a) => a.duplicates),
      pushErrors: sum((a) => a.pushErrors),
      fetchesCutByKill: fetchesCut,
    }),
  );

  expect(trials).toHaveLength(trialCount);
  const late = trials.filter((t) => t.backAfterReadyMs.some((b) => b === null || b > BACK_WITHIN_MS));
  expect(late).toEqual([]);
  expect(overlap).toBeLessThanOrEqual(0);
  if (signal === "SIGTERM") for (const a of audits) expect(a.lost).toEqual([]);
  expect(sum((a) => a.lost.length)).toBeLessThanOrEqual(fetchesCut);
  for (const [i, a] of audits.entries()) {
    // A job lost to the FETCH window was sent before some kill.
    for (const jid of a.lost) {
      const sent = routers[i].ledger.pushSent.get(jid) ?? Infinity;
      expect(
        kills.some((k) => sent <= k),
        `lost ${jid} was sent at ${sent}, kills at ${kills.join(",")}`,
      ).toBe(true);
    }
    expect(a.ran + a.pending + a.lost.length).toBe(a.pushed);
  }
}

describe("scenario 16: the primary's Faktory exits on its own", () => {
  it(`${TERM_TRIALS} trials of SIGTERM to the primary's Faktory child: every router serves PUSH again within ${BACK_WITHIN_MS} ms, nothing lost`, async () => {
    await killTrials("SIGTERM", TERM_TRIALS);
  });

  it(`${KILL_TRIALS} trials of SIGKILL (an OOM kill of the child only): every router back within ${BACK_WITHIN_MS} ms, nothing lost beyond the FETCH window`, async () => {
    await killTrials("SIGKILL", KILL_TRIALS);
  });
});
