// What the engine tests check of a deployed Faktory (enterprise, 1 + 2 pods, no NLB) on the local cluster, the
// same whichever language the program is written in (01-engine: TypeScript inline; 07-yaml-program: YAML).
import { expect } from "vitest";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { kubectl, kubectlJson, waitFor } from "./env";
import { lease, pods, type PodView } from "./faktory";
import { collect } from "./stack";

/** The first up succeeded and its outputs name the namespace and the Service; no NLB URL without a controller. */
export function expectUpOutputs(result: UpResult, name: string, log: readonly string[]): void {
  expect(result.summary.result, log.join("\n")).toBe("succeeded");
  expect(result.outputs.namespace.value).toBe(name);
  expect(result.outputs.serviceName.value).toBe("faktory");
  // No NLB Service without a load-balancer controller.
  expect(result.outputs.loadBalancerUrl?.value).toBeUndefined();
}

/** A preview and an up of the unchanged program find every resource the same. */
export async function expectNoChanges(stack: Stack, log: string[]): Promise<void> {
  const preview = await stack.preview({ onOutput: collect(log) });
  expect(Object.keys(preview.changeSummary).sort(), log.join("\n")).toEqual(["same"]);
  const result = await stack.up({ onOutput: collect(log), expectNoChanges: true });
  expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
}

/** The component's objects exist (no NLB Service), 3 pods run ready, and one of them holds the lease. */
export async function expectDeployed(name: string, keyPrefix: string): Promise<void> {
  const kinds = kubectl([
    "get",
    "statefulset,service,pdb,networkpolicy,configmap,secret,serviceaccount",
    "-n",
    name,
    "-o",
    "name",
  ])
    .trim()
    .split("\n")
    .sort();
  expect(kinds).toEqual(
    expect.arrayContaining([
      `configmap/${name}-conf-d`,
      `networkpolicy.networking.k8s.io/${name}`,
      `poddisruptionbudget.policy/${name}`,
      "service/faktory",
      `serviceaccount/${name}`,
      `statefulset.apps/${name}`,
    ]),
  );
  expect(kinds.filter((k) => k.startsWith("service/"))).toEqual(["service/faktory"]);
  const ps = pods(name, name);
  expect(ps.map((p) => [p.name, p.phase, p.ready])).toEqual(
    [0, 1, 2].map((i) => [`${name}-${i}`, "Running", true]),
  );
  const holder = await waitFor("a lease holder", 30_000, async () => (await lease(keyPrefix))?.id);
  expect(ps.map((p) => p.name)).toContain(holder);
  // The zone spread the component asks for is satisfiable only because the node carries the label.
  const node = kubectlJson<{ metadata: { labels: Record<string, string> } }>([
    "get",
    "node",
    "faktory-ha-node",
  ]);
  expect(node.metadata.labels["topology.kubernetes.io/zone"]).toBe("local-a");
}

/** After an update of the router hold time: every pod replaced, one revision, the new value, one primary. */
export async function expectRolled(
  name: string,
  keyPrefix: string,
  before: readonly PodView[],
  routerHoldMs: number,
): Promise<void> {
  // Measured: the provider reports the StatefulSet updated (≈ 3 s) before the rollout has finished, so
  // wait for it here (bounded).
  kubectl(["rollout", "status", `statefulset/${name}`, "-n", name, "--timeout", "300s"]);
  await waitFor("3 ready pods of the new revision", 120_000, () => {
    const ps = pods(name, name);
    return ps.length === 3 && ps.every((p) => p.ready && !p.deleting) ? ps : undefined;
  });
  const after = pods(name, name);
  expect(after.every((p) => p.ready && p.phase === "Running")).toBe(true);
  // Every pod was replaced by one of the new revision.
  for (const p of after) expect(before.find((b) => b.name === p.name)?.uid).not.toBe(p.uid);
  expect(new Set(after.map((p) => p.revision)).size).toBe(1);
  const sts = kubectlJson<{
    spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
  }>(["get", "statefulset", name, "-n", name]);
  const env = sts.spec.template.spec.containers[0].env;
  expect(env.find((e) => e.name === "FAKTORY_HA_ROUTER_HOLD_MS")?.value).toBe(String(routerHoldMs));
  expect((await lease(keyPrefix))?.id).toMatch(new RegExp(`^${name}-[012]$`));
}

/** After destroy: the namespace is gone, no object of the instance is left, the stack holds no resource. */
export async function expectNothingLeft(name: string, stack: Stack, stackName: string): Promise<void> {
  await waitFor("the namespace to go", 120_000, () => {
    const out = kubectl(["get", "namespaces", "-o", "name"]);
    return !out.split("\n").includes(`namespace/${name}`);
  });
  const left = kubectl([
    "get",
    "all,configmap,secret,pdb,networkpolicy,serviceaccount",
    "--all-namespaces",
    "-l",
    `app.kubernetes.io/instance=${name}`,
    "-o",
    "name",
  ]).trim();
  expect(left).toBe("");
  const stacks = await stack.workspace.listStacks();
  expect(stacks.find((s) => s.name === stackName)?.resourceCount ?? 0).toBe(0);
}
