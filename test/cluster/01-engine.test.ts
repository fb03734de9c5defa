// The real Pulumi engine and Kubernetes provider create, leave alone, update and destroy the `Faktory`
// component on a real (local) Kubernetes: 1 primary + 2 standbys of the test image, on the node's Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, kubectlJson, requireCluster, testImage, waitFor } from "./support/env";
import { lease, pods } from "./support/faktory";
import { collect, faktoryProgram, testStack, type EngineRun, type TestFaktoryArgs } from "./support/stack";

const NAME = "fha-engine";
const KEY_PREFIX = "fha-engine";

function args(image: string, routerHoldMs: number): TestFaktoryArgs {
  return {
    image,
    secondaries: 2,
    password: "cluster-test-password",
    lease: { keyPrefix: KEY_PREFIX, routerHoldMs },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    terminationGracePeriodSeconds: 15,
  };
}

describe("the Faktory component through the real engine", () => {
  let run: EngineRun;
  let image: string;
  const log: string[] = [];

  beforeAll(async () => {
    requireCluster();
    image = testImage();
    run = await testStack("engine", faktoryProgram(NAME, args(image, 15_000)));
  });

  afterAll(async () => {
    // Leave nothing behind even when a test failed half-way.
    await run?.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await run?.stack.workspace.removeStack("engine").catch(() => undefined);
  });

  it("up creates the objects and 1 + 2 pods, exactly one of them primary", async () => {
    const result = await run.stack.up({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    expect(result.outputs.namespace.value).toBe(NAME);
    expect(result.outputs.serviceName.value).toBe("faktory");
    // No NLB Service without a load-balancer controller.
    expect(result.outputs.loadBalancerUrl?.value).toBeUndefined();
    const kinds = kubectl([
      "get",
      "statefulset,service,pdb,networkpolicy,configmap,secret,serviceaccount",
      "-n",
      NAME,
      "-o",
      "name",
    ])
      .trim()
      .split("\n")
      .sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        "configmap/fha-engine-conf-d",
        "networkpolicy.networking.k8s.io/fha-engine",
        "poddisruptionbudget.policy/fha-engine",
        "service/faktory",
        "serviceaccount/fha-engine",
        "statefulset.apps/fha-engine",
      ]),
    );
    expect(kinds.filter((k) => k.startsWith("service/"))).toEqual(["service/faktory"]);
    const ps = pods(NAME, NAME);
    expect(ps.map((p) => [p.name, p.phase, p.ready])).toEqual([
      ["fha-engine-0", "Running", true],
      ["fha-engine-1", "Running", true],
      ["fha-engine-2", "Running", true],
    ]);
    const holder = await waitFor("a lease holder", 30_000, async () => (await lease(KEY_PREFIX))?.id);
    expect(ps.map((p) => p.name)).toContain(holder);
    // The zone spread the component asks for is satisfiable only because the node carries the label.
    const node = kubectlJson<{ metadata: { labels: Record<string, string> } }>([
      "get",
      "node",
      "faktory-ha-node",
    ]);
    expect(node.metadata.labels["topology.kubernetes.io/zone"]).toBe("local-a");
  });

  it("a second up changes nothing", async () => {
    const preview = await run.stack.preview({ onOutput: collect(log) });
    expect(Object.keys(preview.changeSummary).sort(), log.join("\n")).toEqual(["same"]);
    const result = await run.stack.up({ onOutput: collect(log), expectNoChanges: true });
    expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
  });

  it("an update (a new router hold time) rolls the pods one by one and keeps one primary", async () => {
    const before = pods(NAME, NAME);
    const updated = await testStack("engine", faktoryProgram(NAME, args(image, 20_000)));
    const result = await updated.stack.up({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    // Measured: the provider reports the StatefulSet updated (≈ 3 s) before the rollout has finished, so
    // wait for it here (bounded).
    kubectl(["rollout", "status", `statefulset/${NAME}`, "-n", NAME, "--timeout", "300s"]);
    await waitFor("3 ready pods of the new revision", 120_000, () => {
      const ps = pods(NAME, NAME);
      return ps.length === 3 && ps.every((p) => p.ready && !p.deleting) ? ps : undefined;
    });
    const after = pods(NAME, NAME);
    expect(after.every((p) => p.ready && p.phase === "Running")).toBe(true);
    // Every pod was replaced by one of the new revision.
    for (const p of after) expect(before.find((b) => b.name === p.name)?.uid).not.toBe(p.uid);
    expect(new Set(after.map((p) => p.revision)).size).toBe(1);
    const sts = kubectlJson<{
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    }>(["get", "statefulset", NAME, "-n", NAME]);
    const env = sts.spec.template.spec.containers[0].env;
    expect(env.find((e) => e.name === "FAKTORY_HA_ROUTER_HOLD_MS")?.value).toBe("20000");
    expect((await lease(KEY_PREFIX))?.id).toMatch(/^fha-engine-[012]$/);
    run = updated;
  });

  it("destroy leaves nothing behind", async () => {
    const result = await run.stack.destroy({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    await waitFor("the namespace to go", 120_000, () => {
      const out = kubectl(["get", "namespaces", "-o", "name"]);
      return !out.split("\n").includes(`namespace/${NAME}`);
    });
    const left = kubectl([
      "get",
      "all,configmap,secret,pdb,networkpolicy,serviceaccount",
      "--all-namespaces",
      "-l",
      `app.kubernetes.io/instance=${NAME}`,
      "-o",
      "name",
    ]).trim();
    expect(left).toBe("");
    const stacks = await run.stack.workspace.listStacks();
    expect(stacks.find((s) => s.name === "engine")?.resourceCount ?? 0).toBe(0);
  });
});
