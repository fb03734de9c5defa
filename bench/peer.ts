// npm run bench:peer — faktory-ha next to what Faktory users run today (bench/peer-topology.ts: one
// open-source Faktory pod with its Redis on a volume), in the local cluster, under the same load: two
// producer and two worker pods (the real `faktory-worker` client) per system, started together. Each round
// hits both at the same moment with one fault a node sees in production — the pod deleted, the pod evicted
// (the Eviction API, as a drain does), every process of its container SIGKILLed — and measures for each
// system the longest PUSH gap, PUSHes refused or failed, and jobs lost (answered OK, never run) or run
// twice. Prints JSON; writes bench/results/peer.json (BENCH_OUT_DIR). BENCH_ROUNDS rounds per fault
// (default 3). Needs the local cluster (scripts/cluster/ready.sh, which `npm run bench:peer` runs first).
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lostJobs, maxGap, serviceUrl, startClients, type RunReport } from "../test/cluster/support/clients";
import {
  CLUSTER_DIR,
  containerPids,
  kubectl,
  nodeRedis,
  requireCluster,
  sleep,
  testImage,
  waitFor,
} from "../test/cluster/support/env";
import { lease, pods, type PodView } from "../test/cluster/support/faktory";
import { readyPods, totals } from "../test/cluster/support/scenario";
import { collect, faktoryProgram, testStack } from "../test/cluster/support/stack";
import { peerManifests, PEER_NAME, PEER_POD, PEER_REDIS_SOCKET, PEER_UID } from "./peer-topology";
import { machine, median, round } from "./support";

const HA = "fha-bench-ha";
const PEER = "fha-bench-peer";
const PASSWORD = "bench-peer-password";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ALL_FAULTS = ["pod-delete", "eviction", "container-kill"] as const;
type Fault = (typeof ALL_FAULTS)[number];
/** BENCH_FAULTS=pod-delete,eviction runs only those. */
const FAULTS: readonly Fault[] = process.env.BENCH_FAULTS
  ? ALL_FAULTS.filter((f) => process.env.BENCH_FAULTS!.split(",").includes(f))
  : ALL_FAULTS;

interface Outcome {
  /** The longest time without a successful PUSH from 1 s before the fault until the producers stop. */
  pushGapMs: number;
  pushed: number;
  refused: number;
  failed: number;
  lost: number;
  /** Of the lost: still reserved in Faktory's working set (they return when the reservation expires). */
  lostReserved: number;
  /**
   * Jobs that ran yet are still reserved (an ACK the fault cut, or a reservation a restored Redis brought
   * back): they run again when the reservation expires (Faktory's reserve_for, 30 min by default).
   */
  ranButReserved: number;
  duplicates: number;
  /** Commands a client gave up waiting for (no reply within the client's bound). */
  hung: number;
  /** From the fault until the system's pods are all ready again. */
  readyAgainMs: number;
}

function outcome(
  r: RunReport,
  t0: number,
  stopAt: number,
  readyAgainMs: number,
  reserved: Set<string>,
): Outcome {
  const t = totals(r);
  const lost = lostJobs(r);
  return {
    // The stop is an end point: producers that never got going again show the whole silence.
    pushGapMs: maxGap([...r.pushTimes, stopAt], t0 - 1_000).gapMs,
    pushed: t.pushed,
    refused: t.refused,
    failed: t.failed,
    lost: lost.length,
    lostReserved: lost.filter((j) => reserved.has(j)).length,
    ranButReserved: [...reserved].filter((j) => r.runs.has(j)).length,
    duplicates: t.duplicates,
    hung: t.hung.length,
    readyAgainMs,
  };
}

/** Job ids in Faktory's working set (its reservations: JSON members carrying the job). */
function reservedIn(members: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const m of members) {
    try {
      const jid = (JSON.parse(m) as { job?: { jid?: unknown } }).job?.jid;
      if (typeof jid === "string") out.add(jid);
    } catch {
      // not a reservation
    }
  }
  return out;
}

/** faktory-ha's Faktory keeps its data in the node's Redis (database 0). */
async function haReserved(): Promise<Set<string>> {
  const redis = nodeRedis(0);
  try {
    return reservedIn(await redis.zrange("working", "0", "-1"));
  } finally {
    redis.disconnect();
  }
}

/** The peer's Faktory keeps its data in its own redis-server, reachable only inside the pod. */
function peerReserved(): Set<string> {
  const out = kubectl([
    "exec",
    "-n",
    PEER,
    PEER_POD,
    "--",
    "redis-cli",
    "-s",
    PEER_REDIS_SOCKET,
    "--raw",
    "zrange",
    "working",
    "0",
    "-1",
  ]);
  return reservedIn(out.split("\n").filter(Boolean));
}

function hit(fault: Fault, namespace: string, pod: PodView): void {
  switch (fault) {
    case "pod-delete":
      kubectl(["delete", "pod", pod.name, "-n", namespace, "--wait=false"]);
      return;
    case "eviction":
      kubectl(
        ["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod.name}/eviction`, "-f", "-"],
        JSON.stringify({
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: pod.name, namespace },
        }),
      );
      return;
    case "container-kill":
      for (const pid of containerPids(pod.containerId)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      return;
  }
}

/** Waits until `n` pods are ready again and, after a kill, the killed container has been restarted. */
async function readyAgain(instance: string, n: number, was: PodView, fault: Fault): Promise<number> {
  const t0 = Date.now();
  await waitFor(`${instance} to recover from ${fault}`, 180_000, () => {
    const ps = pods(instance, instance).filter((p) => p.ready && p.phase === "Running" && !p.deleting);
    const replaced =
      fault === "container-kill"
        ? ps.some((p) => p.restarts > was.restarts)
        : !ps.some((p) => p.uid === was.uid);
    return ps.length === n && replaced ? true : undefined;
  });
  return Date.now() - t0;
}

async function oneRound(fault: Fault, image: string, urls: { ha: string; peer: string }) {
  const clientArgs = { image, producers: 2, workers: 2, run: `peer-${fault}` };
  const [haClients, peerClients] = await Promise.all([
    startClients({ ...clientArgs, namespace: HA, faktoryUrl: urls.ha }),
    startClients({ ...clientArgs, namespace: PEER, faktoryUrl: urls.peer }),
  ]);
  await sleep(3_000);
  const holder = (await lease(HA))?.id;
  const haTarget = (await readyPods(HA, 3)).find((p) => p.name === holder);
  const peerTarget = (await readyPods(PEER, 1))[0];
  if (!haTarget) throw new Error(`no ready pod of ${HA} holds the lease (holder: ${holder ?? "none"})`);
  const t0 = Date.now();
  hit(fault, HA, haTarget);
  hit(fault, PEER, peerTarget);
  const [haReady, peerReady] = await Promise.all([
    readyAgain(HA, 3, haTarget, fault),
    readyAgain(PEER, 1, peerTarget, fault),
  ]);
  await sleep(5_000);
  const stopAt = Date.now();
  const [haReport, peerReport] = await Promise.all([haClients.stop(), peerClients.stop()]);
  return {
    ha: outcome(haReport, t0, stopAt, haReady, await haReserved()),
    peer: outcome(peerReport, t0, stopAt, peerReady, peerReserved()),
    haTarget: haTarget.name,
    peerErrors: peerReport.pushErrors.slice(0, 3),
  };
}

type Round = Awaited<ReturnType<typeof oneRound>>;

function summarize(rounds: readonly Round[]) {
  const side = (k: "ha" | "peer") => {
    const xs = rounds.map((r) => r[k]);
    const pushed = xs.reduce((s, x) => s + x.pushed, 0);
    const per1000 = (n: number) => round((1000 * n) / Math.max(1, pushed), 2);
    const sum = (f: (o: Outcome) => number) => xs.reduce((s, x) => s + f(x), 0);
    return {
      pushGapMsMedian: median(xs.map((x) => x.pushGapMs)),
      pushGapMs: xs.map((x) => x.pushGapMs),
      readyAgainMsMedian: median(xs.map((x) => x.readyAgainMs)),
      pushed,
      refused: sum((x) => x.refused),
      failed: sum((x) => x.failed),
      lost: sum((x) => x.lost),
      lostReserved: sum((x) => x.lostReserved),
      ranButReserved: sum((x) => x.ranButReserved),
      hung: sum((x) => x.hung),
      duplicates: sum((x) => x.duplicates),
      refusedPer1000: per1000(sum((x) => x.refused)),
      lostPer1000: per1000(sum((x) => x.lost)),
    };
  };
  const ha = side("ha");
  const peer = side("peer");
  return { ha, peer, pushGapRatio: round(peer.pushGapMsMedian / Math.max(1, ha.pushGapMsMedian), 1) };
}

async function main(): Promise<void> {
  requireCluster();
  const image = testImage();
  const log: string[] = [];
  const run = await testStack(
    "bench-peer",
    faktoryProgram(HA, {
      image,
      secondaries: 2,
      password: PASSWORD,
      lease: { keyPrefix: HA, ttlMs: 10_000 },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      terminationGracePeriodSeconds: 15,
    }),
  );
  const dataDir = join(CLUSTER_DIR, "bench-peer-data");
  try {
    const up = await run.stack.up({ onOutput: collect(log) });
    if (up.summary.result !== "succeeded") throw new Error(`pulumi up failed:\n${log.join("\n")}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    chownSync(dataDir, PEER_UID, PEER_UID);
    kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: peerManifests({ namespace: PEER, image, password: PASSWORD, dataDir }),
      }),
    );
    await Promise.all([readyPods(HA, 3), readyPods(PEER, 1)]);
    const urls = { ha: serviceUrl(HA, "faktory", PASSWORD), peer: serviceUrl(PEER, PEER_NAME, PASSWORD) };
    const rounds: Record<Fault, Round[]> = { "pod-delete": [], eviction: [], "container-kill": [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const fault of FAULTS) {
        rounds[fault].push(await oneRound(fault, image, urls));
        process.stderr.write(`${fault} round ${i + 1}: ${JSON.stringify(rounds[fault].at(-1))}\n`);
      }
    }
    const result = {
      bench: "peer",
      at: new Date().toISOString(),
      machine: machine(),
      setup: {
        faktoryHa: "1 primary + 2 standbys, ttl 10 s, the test image's open-source Faktory, the node's Redis",
        peer: `one open-source Faktory pod (same binary), its own redis-server, data on a volume; ${PEER_POD}`,
        load: "2 producer + 2 worker pods per system (faktory-worker), PUSH every 10 ms per producer",
        rounds: ROUNDS,
      },
      faults: Object.fromEntries(FAULTS.map((f) => [f, summarize(rounds[f])])),
      rounds,
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    process.stdout.write(json);
    const dir = process.env.BENCH_OUT_DIR ?? join(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "peer.json"), json);
  } finally {
    kubectl(["delete", "namespace", PEER, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
    rmSync(dataDir, { recursive: true, force: true });
    await run.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await run.stack.workspace.removeStack("bench-peer").catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
