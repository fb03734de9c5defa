import { describe, expect, it } from "vitest";
import { loadCronFile } from "../../../infra/cron-file";

describe("loadCronFile", () => {
  it("returns no jobs when the stack names no cron file", () => {
    expect(loadCronFile(undefined)).toEqual([]);
  });

  it("loads and validates a definitions module", () => {
    const jobs = loadCronFile("test/fixtures/cron/jobs.ts");
    expect(jobs.length).toBe(3);
  });

  it.each(["stacks/cron/nope.ts", "stacks/cron/nope.toml"])(
    "names the stack key for a missing file (%s)",
    (file) => {
      expect(() => loadCronFile(file)).toThrow(
        new Error(`faktory-ha:cronFile: cannot read ${file}: no such file`),
      );
    },
  );

  it("names the stack key and the job for invalid definitions", () => {
    expect(() => loadCronFile("test/fixtures/cron/invalid.toml")).toThrow(
      /^faktory-ha:cronFile test\/fixtures\/cron\/invalid\.toml:\n {2}- .*25 is out of range 0-23/,
    );
  });
});
