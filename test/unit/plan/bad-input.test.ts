import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, projectWithStack, ROOT, runPlan } from "./plan-cli";

// Stack files with one thing wrong: a clean error naming the stack key, no stack trace, nothing written.
const devYaml = readFileSync(join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");

beforeAll(() => buildCli(), 120_000);

describe("plan with bad input", () => {
  it("a cron file that does not exist names faktory-ha:cronFile, with no require stack", () => {
    const yaml = devYaml.replace(/faktory-ha:cronFile: .*/, "faktory-ha:cronFile: cron/missing.ts");
    const dir = projectWithStack("nocron", yaml);
    const run = runPlan(["nocron", "--json", "--no-write"], dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/faktory-ha:cronFile: cannot read cron\/missing\.ts: no such file\n$/);
    expect(run.stderr).not.toMatch(/Require stack|\n\s+at /);
  }, 60_000);
});
