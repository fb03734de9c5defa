#!/usr/bin/env node
// faktory-ha: the project's command line. Each subcommand lives in its own module and registers
// itself on the program.
import { Command } from "commander";
import { registerCron } from "./cron";
import { registerPlan } from "./plan";

export function buildProgram(): Command {
  const program = new Command("faktory-ha")
    .description("Resilient Faktory on Kubernetes: offline plan, typed cron")
    .showHelpAfterError();
  registerPlan(program);
  registerCron(program);
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
