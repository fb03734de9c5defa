// The built `faktory-ha` as a user runs it: --version, and usage errors exiting 2 in every command
// with one --count rule.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, CLI, ROOT } from "../plan/plan-cli";

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function faktoryHa(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const firstLine = (text: string): string => text.split("\n")[0];
const jobs = "stacks/cron/jobs.ts";

beforeAll(() => buildCli(), 120_000);

describe("faktory-ha --version", () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

  it.each(["--version", "-V"])("%s prints package.json's version and exits 0", (flag) => {
    expect(faktoryHa(flag)).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
  });
});

describe("usage errors exit 2 in every command", () => {
  it.each([
    [
      ["plan", "dev", "--count", "0"],
      "error: option '--count <n>' argument '0' is invalid. It must be a whole number from 1 to 1000.",
    ],
    [
      ["plan", "dev", "--count", "1001"],
      "error: option '--count <n>' argument '1001' is invalid. It must be a whole number from 1 to 1000.",
    ],
    [
      ["plan", "dev", "--count", "2.5"],
      "error: option '--count <n>' argument '2.5' is invalid. It must be a whole number from 1 to 1000.",
    ],
    [
      ["cron", "next", jobs, "--count", "0"],
      "error: option '-n, --count <n>' argument '0' is invalid. It must be a whole number from 1 to 1000.",
    ],
    [
      ["cron", "next", jobs, "-n", "1001"],
      "error: option '-n, --count <n>' argument '1001' is invalid. It must be a whole number from 1 to 1000.",
    ],
    [["plan", "dev", "--nope"], "error: unknown option '--nope'"],
    [["plan"], "error: missing required argument 'stack'"],
    [["cron", "check"], "error: missing required argument 'file'"],
    [["nope"], "error: unknown command 'nope'"],
    [
      ["status", "--port", "0"],
      "error: option '--port <port>' argument '0' is invalid. It must be a port, 1..65535.",
    ],
    [["status", "--nope"], "error: unknown option '--nope'"],
  ])("faktory-ha %j", (args, message) => {
    const run = faktoryHa(...args);
    expect(firstLine(run.stderr)).toBe(message);
    expect(run.stdout).toBe("");
    expect(run.status).toBe(2);
  });

  it("both commands accept the largest --count, 1000", () => {
    const next = faktoryHa("cron", "next", jobs, "--count", "1000", "--from", "2026-03-01T00:00:00Z");
    expect(next.status).toBe(0);
    // Three jobs in the file, 1000 runs each, one line per run plus the header.
    expect(next.stdout.trimEnd().split("\n")).toHaveLength(1 + 3 * 1000);

    const plan = faktoryHa("plan", "dev", "--count", "1000", "--json", "--no-write");
    expect(plan.status).toBe(0);
    const report = JSON.parse(plan.stdout) as { cron: { jobs: { runs: unknown[] }[] } };
    expect(report.cron.jobs.map((job) => job.runs.length)).toEqual([1000, 1000, 1000]);
  });
});
