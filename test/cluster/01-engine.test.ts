// The real Pulumi engine and Kubernetes provider create, leave alone, update and destroy the `Faktory`
// component on a real (local) Kubernetes: 1 primary + 2 standbys of the test image, on the node's Redis.
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
    expectUpOutputs(result, NAME, log);
    await expectDeployed(NAME, KEY_PREFIX);
  });

  it("a second up changes nothing", () => expectNoChanges(run.stack, log));

  it("an update (a new router hold time) rolls the pods one by one and keeps one primary", async () => {
    const before = pods(NAME, NAME);
    const updated = await testStack("engine", faktoryProgram(NAME, args(image, 20_000)));
    const result = await updated.stack.up({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    await expectRolled(NAME, KEY_PREFIX, before, 20_000);
    run = updated;
  });

  it("destroy leaves nothing behind", async () => {
    const result = await run.stack.destroy({ onOutput: collect(log) });
    expect(result.summary.result, log.join("\n")).toBe("succeeded");
    await expectNothingLeft(NAME, run.stack, "engine");
  });
});
