// The Workers component writes a worker pod's environment; the user's program reads it. One contract module
// (components/contract/worker.ts) defines both sides; this proves they agree: the queues survive
// formatQueues → parseQueues, and the URL the kubelet expands is what faktory-worker connects with.
import fc from "fast-check";
import { Client } from "faktory-worker";
import { describe, expect, it } from "vitest";
import { QUEUE_NAME_PATTERN } from "../../components/contract/scaler";
import {
  WORKER_ENV,
  formatQueues,
  parseQueues,
  queueNameProblem,
  type WorkerQueues,
} from "../../components/contract/worker";
import type { EnvVar } from "../../components/k8s/env";
import { buildWorkerEnv } from "../../components/k8s/workers/env";

/** What the kubelet hands the container: secret refs resolved, `$(VAR)` expanded from earlier variables. */
function resolve(env: readonly EnvVar[], secrets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef;
    out[e.name] = ref
      ? secrets[`${ref.name}/${ref.key}`]
      : (e.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => out[name] ?? m);
  }
  return out;
}

/** Queue names the component accepts. */
const queueName = fc
  .stringMatching(QUEUE_NAME_PATTERN)
  .filter((name) => queueNameProblem(name) === undefined);
const queues: fc.Arbitrary<WorkerQueues> = fc.oneof(
  fc.uniqueArray(queueName, { minLength: 1, maxLength: 50 }),
  fc.dictionary(queueName, fc.integer({ min: 1, max: 100 }), { minKeys: 1, maxKeys: 50 }),
);

describe("worker contract", () => {
  it("FAKTORY_QUEUES reads back as written: a list in order, or the weights", () => {
    fc.assert(
      fc.property(queues, (q) => {
        expect(parseQueues(formatQueues(q))).toEqual(q);
      }),
    );
    expect(formatQueues({ critical: 3, default: 1 })).toBe("critical:3,default:1");
    expect(parseQueues("critical,mail:low,default")).toEqual(["critical", "mail:low", "default"]);
    expect(parseQueues("a:b:3,c:1")).toEqual({ "a:b": 3, c: 1 });
  });

  it.each([
    [false, 7419, "tcp:"],
    [true, 7429, "tcp+tls:"],
  ])("tls=%s: faktory-worker takes the expanded URL's host, port and password", (tls, port, protocol) => {
    const password = "Zx9generated0password1of32chars";
    const env = resolve(
      buildWorkerEnv({
        host: "faktory.jobs.svc.cluster.local",
        port,
        tls,
        caMounted: false,
        passwordSecret: { name: "jobs-secret", key: "FAKTORY_PASSWORD" },
        queues: ["default"],
        concurrency: 5,
        shutdownTimeoutSeconds: 25,
      }),
      { "jobs-secret/FAKTORY_PASSWORD": password },
    );
    expect(new URL(env[WORKER_ENV.url]).protocol).toBe(protocol);
    const client = new Client({ url: env[WORKER_ENV.url] });
    expect(client.password).toBe(password);
    const factory = client.connectionFactory as unknown as { host: string; port: string | number };
    expect([factory.host, String(factory.port)]).toEqual(["faktory.jobs.svc.cluster.local", String(port)]);
    expect(env[WORKER_ENV.shutdownTimeout]).toBe("25");
    expect(Number(env[WORKER_ENV.concurrency])).toBe(5);
  });
});
