import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCronToml, renderCronToml } from "../../../components/cron";

const fixture = (name: string): string => readFileSync(join(__dirname, "../../fixtures/cron", name), "utf8");

describe("parseCronToml (migration)", () => {
  it("reads the Faktory wiki's hand-written cron.toml into typed definitions", () => {
    const parsed = parseCronToml(fixture("wiki.toml"));
    expect(parsed.issues).toEqual([]);
    expect(parsed.jobs).toEqual([
      { schedule: "*/5 * * * *", job: { type: "FiveJob", queue: "critical", custom: { foo: "bar" } } },
      { schedule: "12 * * * *", job: { type: "HourlyReport", retry: 3 } },
      { schedule: "* * * * *", job: { type: "EveryMinute" } },
    ]);
    // Normalizing a hand-written file and reading it back changes nothing.
    expect(parseCronToml(renderCronToml(parsed.jobs)).jobs).toEqual(parsed.jobs);
  });

  it("reports every invalid entry, and keeps the valid ones", () => {
    const parsed = parseCronToml(
      fixture("invalid.toml") + '\n[[cron]]\nschedule = "0 1 * * *"\n[cron.job]\ntype = "Good"\n',
    );
    expect(parsed.definitions).toHaveLength(4);
    expect(parsed.jobs).toEqual([{ schedule: "0 1 * * *", job: { type: "Good" } }]);
    expect(parsed.issues.map((i) => i.message)).toEqual([
      'cron job [0] (type "Report"): schedule hour field "25": 25 is out of range 0-23; received "0 25 * * *"',
      'cron job [1] (type "Ok"): job.queue must be a queue name matching [a-zA-Z0-9._-]+ (Faktory\'s rule); received "high priority"',
      'cron job [1] (type "Ok"): job.retry must be an integer ≥ -1 (-1 sends a failed job straight to the dead set, 0 drops it; Faktory\'s default is 25); received -2',
      'cron job [2] (type "Hourly"): schedule uses the descriptor "@hourly", which Faktory does not document; write "0 * * * *"; received "@hourly"',
      'cron job [2] (type "Hourly"): job.reserve_for must be an integer number of seconds within 60..86400 (Faktory clamps below and refuses above); received 100000',
    ]);
  });

  it("reports a TOML syntax error with its position", () => {
    const parsed = parseCronToml(fixture("broken.toml"));
    expect(parsed.jobs).toEqual([]);
    expect(parsed.issues).toHaveLength(1);
    expect(parsed.issues[0].message).toMatch(/^cron\.toml is not valid TOML 1\.0 \(line 2, column \d+\): /);
  });

  it("flags keys a cron.toml does not have: unknown entry keys as errors, other top-level keys as warnings", () => {
    const parsed = parseCronToml(
      '[queues]\nx = 1\n\n[[cron]]\nschedule = "* * * * *"\nqueue = "oops"\n[cron.job]\ntype = "T"\n',
    );
    expect(parsed.issues.map((i) => [i.severity, i.message])).toEqual([
      ["warning", 'cron.toml: top-level key "queues" is not cron configuration and is ignored here'],
      [
        "error",
        'cron job [0] (type "T"): queue is not a known field; allowed: name, description, schedule, timezone, job; received "oops"',
      ],
    ]);
  });

  it("rejects a cron key that is not an array of tables", () => {
    const parsed = parseCronToml('cron = "nope"\n');
    expect(parsed.issues.map((i) => i.message)).toEqual([
      'cron.toml: cron must be an array of tables ([[cron]]); received "nope"',
    ]);
  });

  it("reads TOML dates as invalid args (not JSON values)", () => {
    const parsed = parseCronToml(
      '[[cron]]\nschedule = "* * * * *"\n[cron.job]\ntype = "T"\nargs = [1979-05-27]\n',
    );
    expect(parsed.issues.map((i) => i.field)).toEqual(["job.args[0]"]);
  });

  it("reads @name/@timezone/@description comments above each [[cron]], and ignores them when they cannot be matched", () => {
    const toml =
      '# @name first\n# @timezone Europe/Berlin\n[[cron]]\nschedule = "0 1 * * *"\n[cron.job]\ntype = "A"\n\n' +
      '[[cron]]\nschedule = "0 2 * * *"\n[cron.job]\ntype = "B"\n';
    expect(parseCronToml(toml).jobs).toEqual([
      { name: "first", timezone: "Europe/Berlin", schedule: "0 1 * * *", job: { type: "A" } },
      { schedule: "0 2 * * *", job: { type: "B" } },
    ]);
    const tricky =
      '# @name lost\n[[cron]]\nschedule = "0 1 * * *"\n[cron.job]\ntype = "A"\nargs = ["""\n[[cron]]\n"""]\n';
    expect(parseCronToml(tricky).jobs).toEqual([
      { schedule: "0 1 * * *", job: { type: "A", args: ["[[cron]]\n"] } },
    ]);
  });
});
