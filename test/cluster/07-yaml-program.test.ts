// The Faktory component from a Pulumi YAML program, through the real engine: the YAML language host, the
// faktory-ha provider plugin (which constructs the component), the Kubernetes provider, the local cluster. The
// same checks as the TypeScript engine test (01-engine): up makes 1 + 2 pods with one primary and the outputs,
// a second up changes nothing, a new value of one input (the router hold time, from stack config) rolls the
// pods, destroy leaves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectDeployed,
  expectNoChanges,
  expectNothingLeft,
  expectRolled,
  expectUpOutputs,
} from "./support/engine-checks";
import { requireCluster, testImage } from "./support/env";
import { pods } from "./support/faktory";
import { collect, type EngineRun } from "./support/stack";
import { faktoryYamlProject, yamlStack } from "./support/yaml-stack";

const NAME = "fha-yaml";
const KEY_PREFIX = "fha-yaml";
const STACK = "yaml";
const PASSWORD = "cluster-test-password";

const project = faktoryYamlProject(
  NAME,
  {
    image: "${image}",
    secondaries: 2,
    password: PASSWORD,
    lease: { keyPrefix: KEY_PREFIX, routerHoldMs: "${routerHoldMs}" },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    terminationGracePeriodSeconds: 15,
  },
  { image: { type: "string" }, routerHoldMs: { type: "integer" } },
);

describe("the Faktory component from a YAML program through the real engine", () => {
  let run: EngineRun;
  const log: string[] = [];

  beforeAll(async () => {
    requireCluster();
    run = await yamlStack(STACK, project);
    await run.stack.setAllConfig({ image: { value: testImage() }, routerHoldMs: { value: "15000" } });
  });

  afterAll(async () => {
    // Leave nothing behind even when a test failed half-way.
    await run?.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await run?.stack.workspace.removeStack(STACK).catch(() => undefined);
  });

  it("up creates the objects and 1 + 2 pods, exactly one of them primary, and reads the outputs", async () => {
    const result = await run.stack.up({ onOutput: collect(log) });
    expectUpOutputs(result, NAME, log);
    expect(result.outputs.password).toEqual({ value: PASSWORD, secret: true });
    expect(result.outputs.inClusterUrl).toEqual({
      value: `tcp://:${PASSWORD}@faktory.${NAME}.svc.cluster.local:7419`,
      secret: true,
    });
    await expectDeployed(NAME, KEY_PREFIX);
  });

  it("a second up changes nothing", () => expectNoChanges(run.stack, log));

  it("an update of one input (the router hold time) rolls the pods one by one and keeps one primary", async () => {
    const before = pods(NAME, NAME);
    await run.stack.setConfig("routerHoldMs", { value: "20000" });
    const result = await run.stack.up({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    // Nothing created, replaced or deleted. Unlike a component in the TypeScript program, a remote component's
    // inputs are recorded by the engine, so the component itself may count as an update besides the StatefulSet.
    const changes = result.summary.resourceChanges ?? {};
    expect(
      Object.keys(changes).filter((k) => !["same", "update"].includes(k)),
      log.join("\n"),
    ).toEqual([]);
    expect(changes.update).toBeGreaterThanOrEqual(1);
    await expectRolled(NAME, KEY_PREFIX, before, 20_000);
  });

  it("destroy leaves nothing behind", async () => {
    const result = await run.stack.destroy({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    await expectNothingLeft(NAME, run.stack, STACK);
  });
});
