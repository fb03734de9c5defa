import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, projectWithStack, ROOT, runPlan } from "./plan-cli";

// Stack names of 1, 20 and 40 characters with a valid config: every physical name must still fit AWS
// limits, so each plans cleanly (the offline plan runs the components' validation and the policy pack).
const devYaml = readFileSync(join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");

beforeAll(() => buildCli(), 120_000);

describe("stack names of any reasonable length", () => {
  it.each(["a", "payments-eu-west-dev", "payments-production-eu-west-1-blue-green"])(
    "plans stack %s",
    (stack) => {
      const dir = projectWithStack(stack, devYaml);
      const run = runPlan([stack, "--json", "--no-write"], dir);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const plan = JSON.parse(run.stdout) as { resources: { type: string; name: string }[] };
      const redis = plan.resources.find((r) => r.type === "faktory-ha:aws:Redis");
      expect(redis?.name).toMatch(/^faktory-[a-z0-9-]+-redis$/);
      expect(redis!.name.length).toBeLessThanOrEqual(24);
    },
    60_000,
  );
});
