// Real faktory-worker producers and workers, each in its own pod of the test image (test/cluster/pod-client.ts),
// talking to Faktory through the component's ClusterIP Service. They report to the node's Redis (db 1).
import { kubectl, kubectlJson, nodeRedis, POD_REPORT_REDIS_URL, sleep, waitFor } from "./env";

export interface ClientRun {
  readonly run: string;
  readonly namespace: string;
  readonly pods: string[];
  /** Tells every client to finish, waits for their summaries, deletes the pods. */
  stop(): Promise<RunReport>;
}

export interface ProducerSummary {
  ok: number;
  refused: number;
  failed: number;
  maxGapMs: number;
  maxGapEnd: number;
  maxLatencyMs: number;
}

export interface RunReport {
  readonly producers: ProducerSummary[];
  readonly pushed: Map<string, number>;
  readonly runs: Map<string, number>;
  readonly pushErrors: string[];
  /** Commands a client gave up on after COMMAND_TIMEOUT_MS without a reply ("<ms> <pod> <command>"). */
  readonly hung: string[];
  /** Errors the client library threw outside any call ("<ms> <pod> <error>"); the client carried on. */
  readonly clientErrors: string[];
  /** Successful PUSH completion times, sorted (all producers). */
  readonly pushTimes: number[];
}

/** Longest time between consecutive successful PUSHes (all producers) inside [from, to]. */
export function maxGap(times: readonly number[], from = 0, to = Infinity): { gapMs: number; endsAt: number } {
  const t = times.filter((x) => x >= from && x <= to);
  let gapMs = 0;
  let endsAt = 0;
  for (let i = 1; i < t.length; i++) {
    if (t[i] - t[i - 1] > gapMs) {
      gapMs = t[i] - t[i - 1];
      endsAt = t[i];
    }
  }
  return { gapMs, endsAt };
}

/** How client pods verify a `tcp+tls://` Faktory: the CA from a ConfigMap (key ca.crt) and the name to check. */
export interface ClientTls {
  readonly caConfigMap: string;
  readonly servername: string;
}

const CA_DIR = "/etc/faktory-ca";

function clientPod(
  name: string,
  namespace: string,
  image: string,
  faktoryUrl: string,
  args: string[],
  tls?: ClientTls,
): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "app.kubernetes.io/name": "fha-test-client" } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "client",
          image,
          imagePullPolicy: "Never",
          command: ["/usr/local/bin/node", "/opt/faktory-ha/pod-client.js", ...args],
          env: [
            { name: "FAKTORY_URL", value: faktoryUrl },
            { name: "REPORT_REDIS_URL", value: POD_REPORT_REDIS_URL },
            ...(tls
              ? [
                  { name: "FAKTORY_TLS_CA_FILE", value: `${CA_DIR}/ca.crt` },
                  { name: "FAKTORY_TLS_SERVERNAME", value: tls.servername },
                ]
              : []),
          ],
          volumeMounts: tls ? [{ name: "ca", mountPath: CA_DIR, readOnly: true }] : [],
          resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
      volumes: tls ? [{ name: "ca", configMap: { name: tls.caConfigMap } }] : [],
    },
  };
}

/** `tcp://:<password>@<ClusterIP>:7419`: the Service's address (there is no cluster DNS on the local node). */
export function serviceUrl(namespace: string, service: string, password: string, tlsPort?: number): string {
  const svc = kubectlJson<{ spec: { clusterIP: string } }>(["get", "service", service, "-n", namespace]);
  return tlsPort === undefined
    ? `tcp://:${password}@${svc.spec.clusterIP}:7419`
    : `tcp+tls://:${password}@${svc.spec.clusterIP}:${tlsPort}`;
}

/**
 * Starts `producers` producer pods and `workers` worker pods; resolves once each has connected to its report
 * Redis and a first job went through (so the load is on when a scenario starts).
 */
export async function startClients(o: {
  namespace: string;
  image: string;
  faktoryUrl: string;
  run: string;
  producers: number;
  workers: number;
  maxMs?: number;
  pauseMs?: number;
  tls?: ClientTls;
}): Promise<ClientRun> {
  const maxMs = String(o.maxMs ?? 240_000);
  // A fresh id per start: the report keys (and the stop keys) of an earlier run must not be read.
  const run = `${o.run}-${Date.now().toString(36)}`;
  const pods: string[] = [];
  const manifests: object[] = [];
  for (let i = 0; i < o.producers; i++) {
    const name = `producer-${run}-${i}`;
    pods.push(name);
    manifests.push(
      clientPod(
        name,
        o.namespace,
        o.image,
        o.faktoryUrl,
        ["produce", run, maxMs, String(o.pauseMs ?? 10)],
        o.tls,
      ),
    );
  }
  for (let i = 0; i < o.workers; i++) {
    const name = `worker-${run}-${i}`;
    pods.push(name);
    manifests.push(clientPod(name, o.namespace, o.image, o.faktoryUrl, ["work", run, maxMs], o.tls));
  }
  kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }));
  const redis = nodeRedis(1);
  const prefix = `fha-test:${run}:`;
  try {
    await waitFor(
      "the client pods to connect",
      90_000,
      async () => (await redis.scard(`${prefix}ready`)) === pods.length,
    );
    await waitFor(
      "the first jobs to go through",
      60_000,
      async () => (await redis.hlen(`${prefix}runs`)) > 5,
    );
  } finally {
    redis.disconnect();
  }
  return {
    run,
    namespace: o.namespace,
    pods,
    stop: async () => {
      const r = nodeRedis(1);
      try {
        const producerPods = pods.filter((n) => n.startsWith("producer-"));
        await r.set(`${prefix}stop-producers`, "1");
        await explainOnTimeout(r, prefix, o.namespace, producerPods, () =>
          waitFor("the producers' summaries", 60_000, async () => {
            const n = await Promise.all(producerPods.map((p) => r.exists(`${prefix}summary:${p}`)));
            return n.every((x) => x === 1);
          }),
        );
        // Workers drain what was pushed (bounded); whatever is still missing then counts as lost.
        const drainDeadline = Date.now() + 60_000;
        while (Date.now() < drainDeadline) {
          const pushedIds = await r.hkeys(`${prefix}pushed`);
          const ran = new Set(await r.hkeys(`${prefix}runs`));
          if (pushedIds.every((j) => ran.has(j))) break;
          await sleep(500);
        }
        await r.set(`${prefix}stop`, "1");
        await explainOnTimeout(r, prefix, o.namespace, pods, () =>
          waitFor("the clients' summaries", 60_000, async () => {
            const keys = await r.keys(`${prefix}summary:*`);
            return keys.length === pods.length;
          }),
        );
        const producers: ProducerSummary[] = [];
        for (const p of producerPods) {
          const h = await r.hgetall(`${prefix}summary:${p}`);
          producers.push({
            ok: Number(h.ok),
            refused: Number(h.refused),
            failed: Number(h.failed),
            maxGapMs: Number(h.maxGapMs),
            maxGapEnd: Number(h.maxGapEnd),
            maxLatencyMs: Number(h.maxLatencyMs),
          });
        }
        const pushed = new Map(
          Object.entries(await r.hgetall(`${prefix}pushed`)).map(([k, v]) => [k, Number(v)]),
        );
        const pushErrors = await r.lrange(`${prefix}push-errors`, 0, -1);
        const hung = await r.lrange(`${prefix}hung`, 0, -1);
        const clientErrors = await r.lrange(`${prefix}client-errors`, 0, -1);
        const runs = new Map(
          Object.entries(await r.hgetall(`${prefix}runs`)).map(([k, v]) => [k, Number(v)]),
        );
        return {
          producers,
          pushed,
          runs,
          pushErrors,
          hung,
          clientErrors,
          pushTimes: [...pushed.values()].sort((a, b) => a - b),
        };
      } finally {
        r.disconnect();
        kubectl(["delete", "pod", "-n", o.namespace, ...pods, "--wait=false", "--ignore-not-found"]);
      }
    },
  };
}

/**
 * Runs `wait`; when it times out, the error says which client pods wrote no summary, what state each is in and
 * the end of its log, so a failed run in CI explains itself.
 */
async function explainOnTimeout(
  r: ReturnType<typeof nodeRedis>,
  prefix: string,
  namespace: string,
  expected: readonly string[],
  wait: () => Promise<unknown>,
): Promise<void> {
  try {
    await wait();
  } catch (e) {
    const lines: string[] = [String(e)];
    for (const p of expected) {
      if ((await r.exists(`${prefix}summary:${p}`)) === 1) continue;
      let state = "";
      try {
        const pod = kubectlJson<{ status: { phase: string; containerStatuses?: { state: object }[] } }>([
          "get",
          "pod",
          p,
          "-n",
          namespace,
        ]);
        state = `${pod.status.phase} ${JSON.stringify(pod.status.containerStatuses?.[0]?.state ?? {})}`;
      } catch (k) {
        state = String(k);
      }
      let log = "";
      try {
        log = kubectl(["logs", p, "-n", namespace, "--tail", "15"]);
      } catch (k) {
        log = String(k);
      }
      lines.push(`no summary from ${p}: ${state}\n${log}`);
    }
    const hung = await r.lrange(`${prefix}hung`, 0, -1);
    if (hung.length) lines.push(`hung commands: ${hung.slice(-10).join("; ")}`);
    throw new Error(lines.join("\n"));
  }
}

/** Jobs pushed (answered OK) but never fetched by a worker. */
export function lostJobs(report: RunReport): string[] {
  return [...report.pushed.keys()].filter((jid) => !report.runs.has(jid));
}

export { sleep };
