/**
 * The loopback cluster: one redis-server and n supervisors (`sup-<i>`), each owning an OSS Faktory, all on
 * 127.0.0.1 and sharing that Redis, as the pods of one Faktory deployment share theirs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killPods, startSupervisor, type SupervisorHandle, type SupervisorOptions } from "./processes";
import { startRedis, type RunningRedis } from "./redis";
import { sleep, withTimeout } from "./timers";

export interface LoopbackCluster {
  readonly redis: RunningRedis;
  readonly supervisors: SupervisorHandle[];
  readonly options: SupervisorOptions;
  /** The supervisor whose /status says primary with a ready Faktory (waits for one). */
  primary(timeoutMs?: number): Promise<SupervisorHandle>;
  /**
   * Once `pod` has exited, starts a fresh supervisor in its place (same id, options and ports); returns it.
   * By default a new pod of the same name (a StatefulSet replacing a deleted pod: a new pod UID); with
   * `samePod`, its container restarted by the kubelet (the same pod UID).
   */
  restart(pod: SupervisorHandle, how?: { readonly samePod?: boolean }): Promise<SupervisorHandle>;
  stop(): Promise<void>;
}

/** Supervisor options but Redis's (the cluster starts its own); `prefix` names the temporary base directory. */
export type LoopbackClusterOptions = Partial<SupervisorOptions> & { readonly prefix?: string };

export async function startLoopbackCluster(
  n: number,
  opts: LoopbackClusterOptions = {},
): Promise<LoopbackCluster> {
  const { prefix, ...supervisorOpts } = opts;
  const baseDir = opts.baseDir ?? mkdtempSync(join(tmpdir(), `${prefix ?? "fha"}-`));
  const redis = await startRedis(baseDir);
  const options: SupervisorOptions = { ...supervisorOpts, redisUrl: redis.url, baseDir };
  const supervisors: SupervisorHandle[] = [];
  const cluster: LoopbackCluster = {
    redis,
    supervisors,
    options,
    primary: (timeoutMs = 20_000) => waitForPrimary(supervisors, timeoutMs),
    restart: async (pod, how = {}) => {
      await pod.exited;
      const fresh = await startSupervisor(pod.id, options, pod.ports, how.samePod ? pod.podUid : undefined);
      supervisors[supervisors.indexOf(pod)] = fresh;
      return fresh;
    },
    stop: async () => {
      await killPods(supervisors);
      await redis.stop();
      if (!opts.baseDir) rmSync(baseDir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < n; i++) supervisors.push(await startSupervisor(`sup-${i}`, options));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

export async function waitForPrimary(
  sups: readonly SupervisorHandle[],
  timeoutMs: number,
): Promise<SupervisorHandle> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const s of sups) {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) continue;
      try {
        const st = await withTimeout(s.status(), 500);
        const fk = st.faktory as { ready?: boolean } | undefined;
        if (st.role === "primary" && fk?.ready) return s;
      } catch {
        // stopped or frozen
      }
    }
    await sleep(50);
  }
  // Say what each pod was doing: a flaky run must be diagnosable from CI's log alone.
  const lines = sups.map((s) => {
    const events = s.events
      .slice(-6)
      .map((e) => JSON.stringify(e))
      .join("\n      ");
    const output = s.output.slice(-4).join("\n      ");
    const exit = s.proc.exitCode ?? s.proc.signalCode ?? "running";
    return `  ${s.id} (${exit}):\n    events:\n      ${events}\n    output:\n      ${output}`;
  });
  throw new Error(`no primary with a ready Faktory within ${timeoutMs} ms\n${lines.join("\n")}`);
}
