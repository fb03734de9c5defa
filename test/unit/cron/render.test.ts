import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import {
  CronValidationError,
  GENERATED_HEADER,
  parseCronToml,
  renderCronToml,
} from "../../../components/cron";
import type { CronJob } from "../../../components/cron";

const header = `${GENERATED_HEADER.join("\n")}\n\n`;

describe("renderCronToml", () => {
  it("renders the seed's job exactly as Faktory's cron.toml format has it", () => {
    const seed: CronJob = {
      schedule: "0 12 27 * *",
      job: { type: "MyWorker", args: ["SomeArgument"], retry: 5 },
    };
    const toml = renderCronToml([seed]);
    expect(toml).toBe(
      header +
        "[[cron]]\n" +
        'schedule = "0 12 27 * *"\n' +
        "\n" +
        "[cron.job]\n" +
        'type = "MyWorker"\n' +
        'args = [ "SomeArgument" ]\n' +
        "retry = 5\n",
    );
    // What Faktory's Go TOML decoder sees, read by an independent TOML 1.0 parser.
    expect(parse(toml)).toEqual({
      cron: [{ schedule: "0 12 27 * *", job: { type: "MyWorker", args: ["SomeArgument"], retry: 5 } }],
    });
  });

  it("renders every field in a fixed order, custom keys sorted, metadata as comments", () => {
    const job: CronJob = {
      job: {
        custom: { zeta: 1, expires_in: 60, alpha: { y: 2, x: 1 } },
        reserve_for: 600,
        retry: 3,
        queue: "critical",
        args: [{ b: 1, a: 2 }],
        type: "FiveJob",
      },
      timezone: "America/Chicago",
      schedule: "*/5 * * * *",
      description: "line one\nline two",
      name: "five",
    };
    expect(renderCronToml([job])).toBe(
      header +
        "# @name five\n" +
        "# @timezone America/Chicago\n" +
        "# @description line one\n" +
        "# @description line two\n" +
        "[[cron]]\n" +
        'schedule = "*/5 * * * *"\n' +
        "\n" +
        "[cron.job]\n" +
        'type = "FiveJob"\n' +
        'queue = "critical"\n' +
        "retry = 3\n" +
        "reserve_for = 600\n" +
        "\n" +
        // smol-toml writes an array made only of tables as an array of tables: valid TOML 1.0.
        "[[cron.job.args]]\n" +
        "a = 2\n" +
        "b = 1\n" +
        "\n" +
        "[cron.job.custom]\n" +
        "expires_in = 60\n" +
        "zeta = 1\n" +
        "\n" +
        "[cron.job.custom.alpha]\n" +
        "x = 1\n" +
        "y = 2\n",
    );
  });

  it("gives the same text for the same jobs built in a different key order (no diff)", () => {
    const a: CronJob = {
      name: "n",
      schedule: "0 1 * * *",
      job: { type: "T", retry: 1, custom: { b: 1, a: 2 } },
    };
    const b: CronJob = {
      job: { custom: { a: 2, b: 1 }, retry: 1, type: "T" },
      schedule: "0 1 * * *",
      name: "n",
    };
    expect(renderCronToml([b])).toBe(renderCronToml([a]));
  });

  it("keeps descriptions that are not plain text exact, JSON-encoded in the comment", () => {
    const job: CronJob = {
      name: ' "quoted" ',
      description: "tab\there\n\nblank line",
      schedule: "0 0 * * *",
      job: { type: "T" },
    };
    const toml = renderCronToml([job]);
    expect(toml).toContain('# @name " \\"quoted\\" "\n');
    expect(toml).toContain('# @description "tab\\there\\n\\nblank line"\n');
    expect(parseCronToml(toml).jobs).toEqual([job]);
  });

  // JavaScript's "." stops at U+2028/U+2029 (line terminators to a RegExp, ordinary characters to TOML):
  // a name holding one once came back as no metadata at all (found by the round-trip property test).
  it("reads back names and descriptions holding Unicode line and paragraph separators", () => {
    const job: CronJob = {
      name: "a\u2028b",
      description: "\u2029 leading separator",
      schedule: "0 0 * * *",
      job: { type: "T" },
    };
    const toml = renderCronToml([job]);
    expect(parse(toml).cron).toEqual([{ schedule: "0 0 * * *", job: { type: "T" } }]);
    expect(parseCronToml(toml).jobs).toEqual([job]);
  });

  it("throws a CronValidationError and returns nothing for an invalid set", () => {
    const jobs = [
      { schedule: "0 12 27 * *", job: { type: "Fine" } },
      { schedule: "0 12 27 * *", job: { type: "Bad", retry: -3 } },
    ] as CronJob[];
    expect(() => renderCronToml(jobs)).toThrow(CronValidationError);
    expect(() => renderCronToml(jobs)).toThrow(
      /cron job \[1\] \(type "Bad"\): job\.retry must be an integer ≥ -1/,
    );
  });
});
