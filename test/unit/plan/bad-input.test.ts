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

  it.each([
    [
      "an empty file",
      "",
      /Pulumi\.bad\.yaml has no "config:" mapping: a stack file starts with "config:" followed by keys such as "faktory-ha:environment: dev"\n$/,
    ],
    ["a file without config:", "aws:region: us-east-1\n", /Pulumi\.bad\.yaml has no "config:" mapping/],
    [
      "a YAML syntax error",
      "config:\n  faktory-ha:environment: dev\n   bad: [\n",
      /Pulumi\.bad\.yaml:2:27: invalid YAML: Nested mappings are not allowed in compact mappings\n$/,
    ],
    [
      "a key given twice",
      "config:\n  faktory-ha:environment: dev\n  faktory-ha:environment: prod\n",
      /Pulumi\.bad\.yaml:3:3: invalid YAML: Map keys must be unique\n$/,
    ],
  ])(
    "%s is an error naming the file (and line)",
    (_what, yaml, message) => {
      const dir = projectWithStack("bad", yaml);
      const run = runPlan(["bad", "--json", "--no-write"], dir);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    },
    60_000,
  );
});
