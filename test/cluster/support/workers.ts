// The Workers component on the local cluster: a Faktory component and a Workers component in one inline
// program (the real engine), running the test image's `faktory-worker` program (test/cluster/faktory-worker.ts),
// whose executions the tests count from the node's Redis (db 1).
//
// The workers reach Faktory through `connection` with the Service's ClusterIP: the `faktory` arg names the
// Service's DNS name, and the local node has no cluster DNS. The scaler endpoint likewise (KEDA's operator runs
// on the node, where kube-proxy routes ClusterIPs).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { Client } from "faktory-worker";
import { Faktory, Workers } from "../../../components/k8s";
import { SECRET_KEYS } from "../../../components/k8s/constants";
import type { WorkerAutoscaling } from "../../../components/k8s/workers/types";
import { KUBECONFIG, kubectlJson, nodeRedis, POD_REPORT_REDIS_URL } from "./env";
import { LOCAL_CLUSTER_ARGS, type TestFaktoryArgs } from "./stack";

export interface TestWorkersArgs {
  readonly image: string;
  /** REPORT_RUN: the report keys' run id (fha-worker:<run>:…). */
  readonly run: string;
  readonly queue: string;
  readonly concurrency: number;
  readonly shutdownTimeoutSeconds: number;
  readonly replicas?: number;
  readonly autoscaling?: WorkerAutoscaling;
  /** Extra plain env (a changed value rolls the workers). */
  readonly extraEnv?: readonly { name: string; value: string }[];
}

/** A Faktory `name` (namespace `name`) and Workers `<name>-workers` on its ClusterIP. */
export function faktoryWorkersProgram(
  name: string,
  faktoryArgs: TestFaktoryArgs,
  w: TestWorkersArgs,
): () => Promise<Record<string, unknown>> {
  return async () => {
    const provider = new k8s.Provider("local", {
      kubeconfig: readFileSync(KUBECONFIG, "utf8"),
      enableConfigMapMutable: true,
    });
    const faktory = new Faktory(name, { ...LOCAL_CLUSTER_ARGS, ...faktoryArgs }, { provider });
    const service = k8s.core.v1.Service.get(
      `${name}-service`,
      pulumi.interpolate`${faktory.namespace}/${faktory.serviceName}`,
      { provider, dependsOn: [faktory] },
    );
    const clusterIp = service.spec.clusterIP;
    const workers = new Workers(
      `${name}-workers`,
      {
        namespace: faktory.namespace,
        connection: {
          host: clusterIp,
          passwordSecret: { name: faktory.passwordSecretName, key: SECRET_KEYS.password },
          scalerUrl: pulumi.interpolate`http://${clusterIp}:7421/scaler`,
        },
        image: w.image,
        command: ["/sbin/tini", "--", "faktory-worker"],
        queues: [w.queue],
        concurrency: w.concurrency,
        shutdownTimeoutSeconds: w.shutdownTimeoutSeconds,
        ...(w.replicas !== undefined ? { replicas: w.replicas } : {}),
        ...(w.autoscaling ? { autoscaling: w.autoscaling } : {}),
        resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        extraEnv: [
          { name: "REPORT_REDIS_URL", value: POD_REPORT_REDIS_URL },
          { name: "REPORT_RUN", value: w.run },
          ...(w.extraEnv ?? []),
        ],
      },
      { provider },
    );
    return {
      namespace: faktory.namespace,
      clusterIp,
      deploymentName: workers.deploymentName,
      scaledObjectName: workers.scaledObjectName,
    };
  };
}

/** Pushes `n` `sleep` jobs of `ms` to `queue` from the host (the ClusterIP, through kube-proxy); returns the jids. */
export async function pushSleepJobs(
  faktoryUrl: string,
  queue: string,
  n: number,
  ms: number,
): Promise<string[]> {
  const client = new Client({ url: faktoryUrl, poolSize: 10 });
  const jids: string[] = [];
  try {
    for (let i = 0; i < n; i += 50) {
      const batch = Array.from({ length: Math.min(50, n - i) }, (_, k) =>
        client.push({ jobtype: "sleep", queue, args: [ms], custom: { seq: i + k } }),
      );
      jids.push(...(await Promise.all(batch)));
    }
  } finally {
    await client.close();
  }
  return jids;
}

/** What the workers recorded (see faktory-worker.ts). */
export interface WorkerReport {
  readonly started: Map<string, number>;
  readonly finished: Map<string, number>;
  readonly aborted: Map<string, number>;
  readonly failedBack: Map<string, number>;
  readonly jobErrors: string[];
  readonly sigterm: Map<string, number>;
  readonly exits: Map<string, string>;
}

const counts = (h: Record<string, string>) => new Map(Object.entries(h).map(([k, v]) => [k, Number(v)]));

export async function workerReport(run: string): Promise<WorkerReport> {
  const r = nodeRedis(1);
  const p = `fha-worker:${run}:`;
  try {
    return {
      started: counts(await r.hgetall(`${p}started`)),
      finished: counts(await r.hgetall(`${p}finished`)),
      aborted: counts(await r.hgetall(`${p}aborted`)),
      failedBack: counts(await r.hgetall(`${p}failed-back`)),
      jobErrors: await r.lrange(`${p}job-errors`, 0, -1),
      sigterm: counts(await r.hgetall(`${p}sigterm`)),
      exits: new Map(Object.entries(await r.hgetall(`${p}exits`))),
    };
  } finally {
    r.disconnect();
  }
}

async function hlen(run: string, key: string): Promise<number> {
  const r = nodeRedis(1);
  try {
    return await r.hlen(`fha-worker:${run}:${key}`);
  } finally {
    r.disconnect();
  }
}

/** Jids finished so far (a cheap count while the test watches). */
export const finishedCount = (run: string): Promise<number> => hlen(run, "finished");

/** Jids started so far. */
export const startedCount = (run: string): Promise<number> => hlen(run, "started");

/**
 * The execution counts over the pushed jids: every one must have finished at least once (`lost` lists those
 * that did not); a jid started more than once must have been cut by a shutdown and FAILed back each time but
 * the last (`unexplained` lists those that were not).
 */
export function executionCounts(jids: readonly string[], r: WorkerReport) {
  const lost = jids.filter((j) => !r.finished.has(j));
  const ranTwice = jids.filter((j) => (r.started.get(j) ?? 0) > 1);
  const unexplained = ranTwice.filter(
    (j) => (r.failedBack.get(j) ?? 0) < (r.started.get(j) ?? 0) - (r.finished.get(j) ?? 0),
  );
  const finishedTwice = jids.filter((j) => (r.finished.get(j) ?? 0) > 1);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    pushed: jids.length,
    executions: sum(r.started),
    finished: jids.filter((j) => r.finished.has(j)).length,
    lost: lost.length,
    lostJids: lost.slice(0, 5),
    duplicates: ranTwice.length,
    finishedTwice: finishedTwice.length,
    cutBySigterm: sum(r.aborted),
    failedBack: sum(r.failedBack),
    retriedAndFinished: [...r.failedBack.keys()].filter((j) => r.finished.has(j)).length,
    unexplainedDuplicates: unexplained.length,
    jobErrors: r.jobErrors.length,
  };
}

/** The workers Deployment's replicas as the API server has them. */
export function deploymentReplicas(
  namespace: string,
  name: string,
): { spec: number; ready: number; updated: number; total: number } {
  const d = kubectlJson<{
    spec: { replicas?: number };
    status: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
  }>(["get", "deployment", name, "-n", namespace]);
  return {
    spec: d.spec.replicas ?? 0,
    ready: d.status.readyReplicas ?? 0,
    updated: d.status.updatedReplicas ?? 0,
    total: d.status.replicas ?? 0,
  };
}

/** Fails with the command to run when KEDA's external metrics API is not served (scripts/cluster/up.sh). */
export function requireKeda(): void {
  let available = false;
  try {
    const a = kubectlJson<{ status?: { conditions?: { type: string; status: string }[] } }>([
      "get",
      "apiservice",
      "v1beta1.external.metrics.k8s.io",
    ]);
    available = a.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;
  } catch {
    available = false;
  }
  if (!available) {
    throw new Error(
      "KEDA is not running in the local cluster (APIService v1beta1.external.metrics.k8s.io not Available): bash scripts/cluster/ready.sh",
    );
  }
}
