// Runs the real `faktory-ha plan` command (the esbuild bundle npm run plan uses) in a child process.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "../../..");
export const CLI = join(ROOT, "dist/cli/faktory-ha.js");

export function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts/build-cli.mjs")], { cwd: ROOT, stdio: "inherit" });
}

export interface PlanRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPlan(args: readonly string[], cwd = ROOT): PlanRun {
  const result = spawnSync(process.execPath, [CLI, "plan", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, FAKTORY_HA_PLAN_NOW: "2026-11-27T12:00:00Z" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A scratch project running this repository's program, with a copy of stacks/ and an extra stack file. */
export function projectWithStack(stack: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "faktory-ha-plan-"));
  const project = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8").replace(
    /^main: .*$/m,
    `main: ${join(ROOT, "infra/index.ts")}`,
  );
  writeFileSync(join(dir, "Pulumi.yaml"), project);
  cpSync(join(ROOT, "stacks"), join(dir, "stacks"), { recursive: true });
  writeFileSync(join(dir, "stacks", `Pulumi.${stack}.yaml`), yaml);
  return dir;
}
