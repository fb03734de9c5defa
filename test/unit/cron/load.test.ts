import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CronLoadError, loadCronDefinitions } from "../../../components/cron/load";

const JOB = '{ schedule: "0 1 * * *", job: { type: "A" } }';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cron-load-")), name);
  writeFileSync(path, text);
  return path;
}

describe("loadCronDefinitions", () => {
  it.each([
    ["an ES module in TypeScript (.mts), default export", "jobs.mts", `export default [${JOB}];\n`],
    ["a CommonJS module (.cjs), module.exports", "jobs.cjs", `module.exports = [${JOB}];\n`],
    ["an ES module (.mjs), named cronJobs export", "jobs.mjs", `export const cronJobs = [${JOB}];\n`],
    [
      "TypeScript with types (.ts)",
      "jobs.ts",
      `const jobs: { schedule: string; job: { type: string } }[] = [${JOB}];\nexport default jobs;\n`,
    ],
    [
      "JSON wrapped in { cronJobs }",
      "jobs.json",
      '{ "cronJobs": [{ "schedule": "0 1 * * *", "job": { "type": "A" } }] }',
    ],
  ])("reads %s", (_case, name, text) => {
    const loaded = loadCronDefinitions(file(name, text));
    expect(loaded.issues).toEqual([]);
    expect(loaded.definitions).toEqual([{ schedule: "0 1 * * *", job: { type: "A" } }]);
  });

  it("refuses top-level await with a clear load error (modules are loaded synchronously)", () => {
    const path = file(
      "jobs.mts",
      `const n = await Promise.resolve(1);\nexport default [{ schedule: "0 1 * * *", job: { type: "A" + n } }];\n`,
    );
    expect(() => loadCronDefinitions(path)).toThrow(CronLoadError);
    expect(() => loadCronDefinitions(path)).toThrow(/^cannot load .*jobs\.mts: .*Top-level await/s);
  });

  it("keeps validation for later: a .toml's invalid entries come back as definitions, only reading problems as issues", () => {
    const loaded = loadCronDefinitions(
      file("cron.toml", '[x]\n[[cron]]\nschedule = "bad"\n[cron.job]\ntype = "A"\n'),
    );
    expect(loaded.kind).toBe("toml");
    expect(loaded.definitions).toEqual([{ schedule: "bad", job: { type: "A" } }]);
    expect(loaded.issues.map((i) => [i.severity, i.field])).toEqual([["warning", "x"]]);
  });
});
