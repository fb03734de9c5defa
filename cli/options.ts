// What every command shares, written once so the commands cannot drift apart: how a usage error
// exits, and the rule for --count.
import { Command, InvalidArgumentError, Option } from "commander";

/**
 * Exit status of a usage error (unknown option, missing argument, option value out of range) in
 * every command, so scripts can tell it from a failed check (1).
 */
export const USAGE_EXIT = 2;

/** Commander exits 1 on a usage error; make `command` (and the subcommands added after) exit 2. */
export function exitTwoOnUsageError(command: Command): Command {
  return command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT));
}

/** Where a command writes and reports, and its clock; replaced in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
  now(): Date;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  now: () => new Date(),
};

/** How many upcoming runs of each cron job a command may show. */
export const RUN_COUNT = { min: 1, max: 1000 } as const;

function parseRunCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < RUN_COUNT.min || n > RUN_COUNT.max) {
    throw new InvalidArgumentError(`It must be a whole number from ${RUN_COUNT.min} to ${RUN_COUNT.max}.`);
  }
  return n;
}

/** `--count <n>`: upcoming runs per cron job, parsed to a number within RUN_COUNT. */
export function runCountOption(flags: string, defaultCount: number): Option {
  return new Option(flags, `upcoming runs shown per cron job, ${RUN_COUNT.min}..${RUN_COUNT.max}`)
    .argParser(parseRunCount)
    .default(defaultCount);
}
