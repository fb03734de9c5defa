import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerCron } from "../../../cli/cron";
import type { CliIO } from "../../../cli/options";
import { renderCronToml } from "../../../components/cron";
import cronJobs from "../../fixtures/cron/jobs";

const root = join(__dirname, "../../..");
const fixture = (name: string): string => join("test/fixtures/cron", name);
const FROM = ["--from", "2026-03-01T00:00:00Z"];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the cron commands in a real process, as `faktory-ha cron ...` runs. */
function cli(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "test/unit/cron/cli-entry.ts", "cron", ...args],
      { cwd: root, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("faktory-ha cron (real process, exit codes)", () => {
  it("check: a valid TypeScript module exits 0, DST drift is a warning", async () => {
    const r = await cli("check", fixture("jobs.ts"), ...FROM);
    expect(r.stdout).toBe("test/fixtures/cron/jobs.ts: 3 cron jobs valid\n");
    expect(r.stderr).toMatch(
      /^warning: cron job "nightly-report": timezone America\/Chicago: schedule "0 17 \* \* \*"/,
    );
    expect(r.code).toBe(0);
  });

  it("check: a JSON definitions file and the Faktory wiki's cron.toml exit 0", async () => {
    expect(await cli("check", fixture("jobs.json"))).toEqual({
      code: 0,
      stdout: "test/fixtures/cron/jobs.json: 2 cron jobs valid\n",
      stderr: "",
    });
    expect((await cli("check", fixture("wiki.toml"))).code).toBe(0);
  });

  it("check: invalid definitions exit 1 with every error listed, nothing on stdout", async () => {
    const r = await cli("check", fixture("invalid.toml"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([
      'error: cron job [0] (type "Report"): schedule hour field "25": 25 is out of range 0-23; received "0 25 * * *"',
      'error: cron job [1] (type "Ok"): job.queue must be a queue name matching [a-zA-Z0-9._-]+ (Faktory\'s rule); received "high priority"',
      'error: cron job [1] (type "Ok"): job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received -2',
      'error: cron job [2] (type "Hourly"): schedule uses the descriptor "@hourly", which Faktory does not document; write "0 * * * *"; received "@hourly"',
      'error: cron job [2] (type "Hourly"): job.reserve_for must be an integer number of seconds within 60..86400 (Faktory clamps below and refuses above); received 100000',
      "test/fixtures/cron/invalid.toml: 5 errors",
      "",
    ]);
  });

  it("check: TOML and JSON syntax errors exit 1", async () => {
    const toml = await cli("check", fixture("broken.toml"));
    expect(toml.code).toBe(1);
    expect(toml.stderr).toMatch(/^error: cron\.toml is not valid TOML 1\.0 \(line 2, column \d+\)/);
    // Written here, not kept as a fixture: the repository's formatter checks every JSON file.
    const broken = join(mkdtempSync(join(tmpdir(), "cron-cli-")), "broken.json");
    writeFileSync(broken, '{ "oops": ');
    const json = await cli("check", broken);
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/^error: .*broken\.json is not valid JSON: /);
  });

  it.each([
    [
      "a missing file",
      ["check", "test/fixtures/cron/nope.toml"],
      /^error: cannot read test\/fixtures\/cron\/nope\.toml: no such file\n$/,
    ],
    [
      "a missing module",
      ["check", "test/fixtures/cron/nope.ts"],
      /^error: cannot read test\/fixtures\/cron\/nope\.ts: no such file\n$/,
    ],
    [
      "an unknown extension",
      ["check", "package.json.txt"],
      /^error: cannot tell how to read package\.json\.txt/,
    ],
    [
      "a module without cron jobs",
      ["check", fixture("no-export.ts")],
      /exports no cron jobs: export default/,
    ],
    [
      "a module that throws",
      ["check", fixture("throws.ts")],
      /^error: cannot load .*throws\.ts: boom while loading/,
    ],
    ["a missing FILE argument", ["check"], /error: missing required argument 'file'/],
    ["an unknown option", ["render", fixture("jobs.ts"), "--nope"], /error: unknown option '--nope'/],
    [
      "--count 0",
      ["next", fixture("jobs.ts"), "--count", "0"],
      /^error: option '-n, --count <n>' argument '0' is invalid\. It must be a whole number from 1 to 1000\.\n$/,
    ],
    [
      "a bad --from",
      ["next", fixture("jobs.ts"), "--from", "tomorrow"],
      /^error: --from must be an ISO 8601 instant/,
    ],
  ])("exits 2 for %s", async (_case, args, stderr) => {
    const r = await cli(...args);
    expect(r.stderr).toMatch(stderr);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(2);
  });

  it("render: prints the normalized TOML; --output writes it, and check accepts its own output", async () => {
    const printed = await cli("render", fixture("jobs.ts"));
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(renderCronToml(cronJobs));

    const dir = mkdtempSync(join(tmpdir(), "cron-cli-"));
    const out = join(dir, "cron.toml");
    const written = await cli("render", fixture("jobs.ts"), "--output", out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe(printed.stdout);

    const checked = await cli("check", out);
    expect(checked.stdout).toBe(`${out}: 3 cron jobs valid\n`);
    expect(checked.code).toBe(0);
    const again = await cli("render", out);
    expect(again.stdout).toBe(printed.stdout);
  });

  it("render: invalid definitions exit 1 and leave an existing --output file untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cron-cli-"));
    const out = join(dir, "cron.toml");
    writeFileSync(out, "# previous\n");
    const r = await cli("render", fixture("invalid.toml"), "--output", out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe("# previous\n");
  });

  it("next: prints the runs as a table in UTC and the stated zone", async () => {
    const r = await cli("next", fixture("jobs.ts"), "--count", "2", ...FROM);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "JOB             SCHEDULE           ZONE             UTC                   LOCAL (ZONE)",
        "nightly-report  0 17 * * *         America/Chicago  2026-03-01 17:00 Sun  2026-03-01 11:00 Sun CST (UTC-06:00)",
        "                                                    2026-03-02 17:00 Mon  2026-03-02 11:00 Mon CST (UTC-06:00)",
        "[1] MyWorker    0 12 27 * *        UTC              2026-03-27 12:00 Fri  -",
        "                                                    2026-04-27 12:00 Mon  -",
        "every-5         */5 * * * MON-FRI  UTC              2026-03-02 00:00 Mon  -",
        "                                                    2026-03-02 00:05 Mon  -",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toContain("on 2026-03-08, 2026-03-07 17:00 UTC = 2026-03-07 11:00 CST (UTC-06:00)");
  });

  it("migrate: turns a cron.toml into a TypeScript module that check accepts", async () => {
    const r = await cli("migrate", fixture("wiki.toml"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^import type \{ CronJob \} from "faktory-ha\/cron";\n\nconst cronJobs: CronJob\[\] = \[/,
    );
    const dir = mkdtempSync(join(tmpdir(), "cron-cli-"));
    const module = join(dir, "cron-jobs.ts");
    writeFileSync(module, r.stdout);
    const checked = await cli("check", module);
    expect(checked.stdout).toBe(`${module}: 3 cron jobs valid\n`);
    expect(checked.code).toBe(0);
  });
});

describe("faktory-ha cron migrate with descriptors (real process)", () => {
  it("check refuses @hourly, naming the five-field spelling", async () => {
    const r = await cli("check", fixture("descriptors.toml"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'uses the descriptor "@hourly", which Faktory does not document; write "0 * * * *"',
    );
  });

  it("migrate writes descriptors out in five fields, says so, and exits 0", async () => {
    const r = await cli("migrate", fixture("descriptors.toml"));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'note: test/fixtures/cron/descriptors.toml: cron job 1: schedule "@hourly" written as "0 * * * *"\n' +
        'note: test/fixtures/cron/descriptors.toml: cron job 2: schedule "@daily" written as "0 0 * * *"\n',
    );
    expect(r.stdout).toContain('"schedule": "0 * * * *"');
    expect(r.stdout).toContain('"schedule": "0 0 * * *"');
    expect(r.stdout).not.toContain("@");
  });
});

describe("registerCron (in process)", () => {
  function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
    const captured = { out: "", err: "", code: undefined as number | undefined };
    const io: CliIO = {
      stdout: (t) => void (captured.out += t),
      stderr: (t) => void (captured.err += t),
      setExitCode: (c) => void (captured.code = c),
      now: () => new Date("2026-06-01T00:00:00Z"),
    };
    const program = new Command("faktory-ha");
    registerCron(program, io);
    return program.parseAsync(["node", "faktory-ha", "cron", ...args]).then(() => captured);
  }

  it("adds check, render, next and migrate under cron", () => {
    const program = new Command("faktory-ha");
    registerCron(program);
    const cron = program.commands.find((c) => c.name() === "cron");
    expect(cron?.commands.map((c) => c.name())).toEqual(["check", "render", "next", "migrate"]);
  });

  it("uses the injected clock and reports through the injected streams", async () => {
    const r = await run("next", join(root, fixture("jobs.json")), "--count", "1");
    expect(r.code).toBeUndefined();
    expect(r.err).toBe("");
    expect(r.out.split("\n")[1]).toBe("[0] MyWorker  0 12 27 * *  UTC   2026-06-27 12:00 Sat  -");
  });

  it("sets exit code 1 for invalid definitions", async () => {
    const r = await run("check", join(root, fixture("invalid.toml")));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("5 errors");
  });
});
