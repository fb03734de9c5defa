// The GitHub Actions workflows: each one passes action-validator (the workflow schema plus job
// references), and the facts the project relies on hold (policy pack in previews, OIDC credentials,
// prod behind a protected environment, pinned actions, documented secrets and variables).
import { validateWorkflow } from "@action-validator/core";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = join(__dirname, "..", "..");
const dir = join(root, ".github", "workflows");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(join(dir, file), "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (file: string) => parse(text(file)) as Workflow;

function stepUsing(job: Job, action: string): Step {
  const found = (job.steps ?? []).filter((s) => s.uses?.startsWith(`${action}@`));
  expect(found, `steps using ${action}`).toHaveLength(1);
  return found[0];
}

function runs(job: Job): string {
  return (job.steps ?? []).map((s) => s.run ?? "").join("\n");
}

describe("workflows", () => {
  it("are the four the README describes", () => {
    expect(files.sort()).toEqual(["ci.yml", "deploy.yml", "preview.yml", "release.yml"]);
  });

  it("release builds the HA image from the Dockerfile after CI and pushes it to GHCR only", () => {
    const release = workflow("release.yml");
    expect(Object.keys(release.on).sort()).toEqual(["push", "workflow_dispatch"]);
    const job = release.jobs.image;
    expect(job.needs).toBe("ci");
    expect(job.permissions).toEqual({ contents: "read", packages: "write" });
    const build = stepUsing(job, "docker/build-push-action");
    expect(build.with).toMatchObject({ file: "supervisor/Dockerfile", push: true });
    expect(String(build.with?.tags)).toMatch(/^ghcr\.io\//);
    expect(String(build.with?.["build-args"])).toContain(
      "FAKTORY_IMAGE=docker.contribsys.com/contribsys/faktory-ent:",
    );
  });

  it("release attaches the npm pack tarball to the tag's GitHub release, after CI, for v* tags only", () => {
    const job = workflow("release.yml").jobs.package;
    expect(job.needs).toBe("ci");
    expect(job.permissions).toEqual({ contents: "write" });
    expect(job.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(runs(job)).toContain("npm pack");
    expect(runs(job)).toMatch(/gh release upload "\$GITHUB_REF_NAME" faktory-ha-\*\.tgz/);
    expect(runs(job)).toContain(
      `test "v$(node -p 'require("./package.json").version')" = "$GITHUB_REF_NAME"`,
    );
  });

  it.each(files)("%s passes action-validator", (file) => {
    expect(validateWorkflow(text(file)).errors).toEqual([]);
  });

  it("the linter catches a broken workflow (so a clean result means something)", () => {
    const broken = text("deploy.yml").replace("needs: dev", "needs: staging");
    expect(validateWorkflow(broken).errors.map((e) => e.code)).toEqual(["unresolved_job"]);
  });

  it.each(files)("%s pins every action to a version", (file) => {
    const uses = [...text(file).matchAll(/uses:\s*([^\s#]+)/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses.filter((u) => !u.startsWith("./"))) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    }
  });

  it("ci runs on push and pull request and runs what `npm test` runs, after installing Redis and Faktory", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push", "workflow_call"]);
    const script = runs(ci.jobs.test);
    const npmTest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.test as string;
    expect(npmTest).toBe(
      "npm run lint && npm run typecheck && npm run test:unit && npm run test:process && npm run test:e2e && npm run test:cluster",
    );
    const order = ["redis-server", "scripts/install-faktory.sh", "npm ci", ...npmTest.split(" && ")].map(
      (s) => script.indexOf(s),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(readFileSync(join(root, ".ci", "run"), "utf8")).toContain("scripts/install-faktory.sh");
  });

  it("preview runs pulumi preview per stack with the policy pack, comments, and uses OIDC", () => {
    const preview = workflow("preview.yml");
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write" });
    const job = preview.jobs.preview;
    expect(job.strategy?.matrix.stack).toEqual(["dev", "prod"]);
    const pulumi = stepUsing(job, "pulumi/actions");
    expect(pulumi.with).toMatchObject({
      command: "preview",
      policyPacks: "policies",
      policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
      "comment-on-pr": true,
    });
    for (const stack of job.strategy?.matrix.stack ?? []) {
      expect(existsSync(join(root, "policies", "config", `${String(stack)}.json`)), String(stack)).toBe(true);
    }
    const aws = stepUsing(job, "aws-actions/configure-aws-credentials");
    expect(aws.with?.["role-to-assume"]).toBeTruthy();
    expect(job.steps?.indexOf(aws)).toBeLessThan(job.steps?.indexOf(pulumi) ?? -1);
  });

  it("every stack in stacks/ is previewed", () => {
    const matrix = workflow("preview.yml").jobs.preview.strategy?.matrix.stack ?? [];
    const stacksDir = join(root, "stacks");
    const stacks = existsSync(stacksDir)
      ? readdirSync(stacksDir).flatMap((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1] ?? [])
      : [];
    for (const stack of stacks) expect(matrix, `stack ${stack}`).toContain(stack);
  });

  it("deploy runs CI, then pulumi up on dev, then prod only behind the protected production environment", () => {
    const deploy = workflow("deploy.yml");
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    const { ci, dev, prod } = deploy.jobs;
    expect(ci.uses).toBe("./.github/workflows/ci.yml");
    expect(dev.needs).toBe("ci");
    expect(prod.needs).toBe("dev");
    expect(prod.environment).toBe("production");
    for (const [job, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      const pulumi = stepUsing(job, "pulumi/actions");
      expect(pulumi.with).toMatchObject({
        command: "up",
        policyPacks: "policies",
        policyPackConfigs: `policies/config/${stack}.json`,
      });
      expect(String(pulumi.with?.["stack-name"])).toContain(stack);
      expect(job.permissions).toMatchObject({ "id-token": "write" });
      expect(stepUsing(job, "aws-actions/configure-aws-credentials").with?.["role-to-assume"]).toBeTruthy();
    }
  });

  it("never use long-lived AWS keys", () => {
    for (const file of files) expect(text(file), file).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });

  it("document every secret and variable they read in .github/README.md", () => {
    const readme = readFileSync(join(root, ".github", "README.md"), "utf8");
    const names = new Set(
      files.flatMap((f) => [...text(f).matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g)].map((m) => m[1])),
    );
    names.delete("GITHUB_TOKEN");
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });
});
