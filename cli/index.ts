#!/usr/bin/env node
// faktory-ha: the project's command line. Each subcommand lives in its own module and registers
// itself on the program.
import { Command } from "commander";
import { version } from "../package.json";
import { registerCron } from "./cron";
import { exitTwoOnUsageError } from "./options";
import { registerPlan } from "./plan";
import { registerStatus } from "./status";

export function buildProgram(): Command {
  // Set before the subcommands are added: they inherit it (an unknown command is the root's error).
  const program = exitTwoOnUsageError(new Command("faktory-ha"))
    .description("Resilient Faktory on Kubernetes: offline plan, typed cron, a running deployment's status")
    // The bundle carries the version it was built from, so it cannot disagree with package.json.
    .version(version, "-V, --version", "print the version")
    .showHelpAfterError();
  registerPlan(program);
  registerCron(program);
  registerStatus(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
