// What the scenario tests share: their figures line, the clients' totals, pods ready, a watch that counts
// Faktory processes per pod from /proc, and `faktory-ha status` run against the local cluster.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { StatusReport } from "../../../cli/status-report";
import { buildCli, CLI } from "../../unit/plan/plan-cli";
import { lostJobs, type RunReport } from "./clients";
import { cmdline, containerPids, KUBECONFIG, KUBECTL, kubectlAsync, sleep, waitFor } from "./env";
import { lease, pods, type PodView } from "./faktory";
import type { TestFaktoryArgs } from "./stack";

/** The component as the scenarios deploy it: 1 + 2 pods, production timings (ttl 10 s), small requests. */
export function scenarioArgs(
  image: string,
  keyPrefix: string,
  password: string,
  extra: Partial<TestFaktoryArgs> = {},
): TestFaktoryArgs {
  return {
    image,
    secondaries: 2,
    password,
    lease: { keyPrefix, ttlMs: 10_000 },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    terminationGracePeriodSeconds: 15,
    ...extra,
  };
}

/** Every lease epoch seen (read every 100 ms) until stopped: a rolling update's handovers are size − 1. */
export function epochWatch(keyPrefix: string): { stop(): Promise<Set<number>> } {
  const epochs = new Set<number>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const l = await lease(keyPrefix).catch(() => null);
      if (l) epochs.add(l.epoch);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return epochs;
    },
  };
}

/** One `figures <name> <json>` line per scenario: what the README and the notes quote. */
export function figures(name: string, f: Record<string, unknown>): void {
  process.stdout.write(`figures ${name} ${JSON.stringify(f)}\n`);
}

/** Successful PUSHes after `t`: the load really ran across the event. */
export const pushedAfter = (r: RunReport, t: number) => r.pushTimes.filter((x) => x > t).length;

export const totals = (r: RunReport) => ({
  pushed: r.pushed.size,
  refused: r.producers.reduce((n, p) => n + p.refused, 0),
  failed: r.producers.reduce((n, p) => n + p.failed, 0),
  lost: lostJobs(r).length,
  duplicates: [...r.runs.values()].filter((n) => n > 1).length,
  // Commands a client gave up on without a reply (see pod-client.ts): reported, not asserted.
  hung: r.hung,
  // Errors the client library threw outside any call (see pod-client.ts): reported, not asserted.
  clientErrors: r.clientErrors,
});

const FAKTORY_BINARY = "/usr/local/bin/faktory-oss";

/** Host pids of Faktory server processes in each pod (the OSS binary is /usr/local/bin/faktory-oss). */
export function faktoryPidsByPod(ps: readonly PodView[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of ps) {
    if (!p.containerId) continue;
    out.set(
      p.name,
      containerPids(p.containerId).filter((pid) => cmdline(pid).startsWith(FAKTORY_BINARY)),
    );
  }
  return out;
}

/**
 * Samples, every 50 ms until stopped, how many pods of `instance` (in the namespace of the same name) run a
 * Faktory at once (every Faktory on the node counts: one scenario runs at a time) (from /proc, by the containers' cgroups; the pod list is refreshed every 500 ms without
 * blocking); returns the worst overlap.
 */
export function overlapWatch(instance: string): { stop(): Promise<{ maxRunning: number; samples: number }> } {
  let maxRunning = 0;
  let samples = 0;
  let running = true;
  let containers: string[] = [];
  const refresh = async () => {
    const out = await kubectlAsync([
      "get",
      "pods",
      "-n",
      instance,
      "-l",
      `app.kubernetes.io/instance=${instance}`,
      "-o",
      "json",
    ]);
    const list = JSON.parse(out) as {
      items: { status: { containerStatuses?: { containerID?: string }[] } }[];
    };
    containers = list.items
      .map((i) => i.status.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, "") ?? "")
      .filter(Boolean);
  };
  const loop = (async () => {
    let lastRefresh = 0;
    while (running) {
      if (Date.now() - lastRefresh > 500) {
        lastRefresh = Date.now();
        await refresh().catch(() => undefined);
      }
      const withFaktory = new Set<string>();
      for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        if (!cmdline(pid).startsWith(FAKTORY_BINARY)) continue;
        try {
          const cg = readFileSync(`/proc/${pid}/cgroup`, "utf8");
          // A Faktory in a container not (yet) listed counts on its own: better a false alarm than a miss.
          withFaktory.add(containers.find((id) => cg.includes(id)) ?? `unknown-${pid}`);
        } catch {
          // gone
        }
      }
      maxRunning = Math.max(maxRunning, withFaktory.size);
      samples++;
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { maxRunning, samples };
    },
  };
}

/** Waits until exactly `n` pods of `instance` are running, ready and not being deleted. */
export async function readyPods(instance: string, n: number, ms = 120_000): Promise<PodView[]> {
  return waitFor(`${n} ready pods of ${instance}`, ms, () => {
    const ps = pods(instance, instance).filter((p) => p.ready && p.phase === "Running" && !p.deleting);
    return ps.length === n ? ps : undefined;
  });
}

export interface StatusRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `faktory-ha status -n <instance> --name <instance>` against the local cluster (the built CLI). */
export function statusCli(instance: string, ...extra: string[]): StatusRun {
  buildCli();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      "status",
      "-n",
      instance,
      "--name",
      instance,
      "--kubeconfig",
      KUBECONFIG,
      "--kubectl",
      KUBECTL,
      ...extra,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `--json` output, parsed. */
export const statusJson = (r: StatusRun) => JSON.parse(r.stdout) as StatusReport;
