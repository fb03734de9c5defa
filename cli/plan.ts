// `faktory-ha plan <stack>`: see and check a whole stack without a cloud account or the Pulumi CLI.
import type { Command } from "commander";
import { resolve } from "node:path";
import { exitTwoOnUsageError, runCountOption } from "./options";
import { ProgramError } from "./plan/evaluate";
import { formatReport, runPlan } from "./plan/run";

interface PlanFlags {
  json?: boolean;
  out: string;
  write: boolean;
  enforce?: boolean;
  count: number;
  project: string;
}

/**
 * This project's program is bundled with the CLI (fast); another project's `main` (see --project)
 * is compiled on the fly with tsx.
 */
function loadProgram(main: string): Record<string, unknown> {
  if (
    main === resolve(__dirname, "../../infra/index.ts") ||
    main === resolve(__dirname, "../infra/index.ts")
  ) {
    return require("../infra") as Record<string, unknown>;
  }
  const { require: tsxRequire } = require("tsx/cjs/api") as typeof import("tsx/cjs/api");
  return tsxRequire(main, __filename) as Record<string, unknown>;
}

export function registerPlan(program: Command): void {
  exitTwoOnUsageError(program.command("plan"))
    .description("evaluate the infra/ program for a stack on Pulumi's mock runtime and check the result")
    .argument("<stack>", "stack name: stacks/Pulumi.<stack>.yaml")
    .option("--json", "print the plan as one JSON document (secrets redacted)")
    .option(
      "--out <dir>",
      "write <dir>/<stack>/ (Kubernetes YAML, conf.d) and <dir>/<stack>.plan.json",
      "out",
    )
    .option("--no-write", "write nothing to disk")
    .option("--enforce", "exit 1 on mandatory policy violations")
    .addOption(runCountOption("--count <n>", 3))
    .option("--project <dir>", "the directory holding Pulumi.yaml", ".")
    .action(async (stack: string, flags: PlanFlags) => {
      const projectDir = resolve(flags.project);
      const outDir = flags.write ? resolve(projectDir, flags.out) : null;
      // The program reads its files (e.g. the cron definitions) relative to the project, as under Pulumi.
      process.chdir(projectDir);
      let report;
      try {
        report = await runPlan({
          stack,
          projectDir,
          outDir,
          cronCount: flags.count,
          now: process.env.FAKTORY_HA_PLAN_NOW ? new Date(process.env.FAKTORY_HA_PLAN_NOW) : new Date(),
          loadProgram,
        });
      } catch (err) {
        const prefix = err instanceof ProgramError ? `error: stack "${stack}": ` : "error: ";
        process.stderr.write(`${prefix}${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `${flags.json ? JSON.stringify(report, null, 2) : formatReport(report, flags.write ? flags.out : null)}\n`,
      );
      const failed =
        report.schema.invalid.length > 0 || (flags.enforce === true && report.policies.mandatory > 0);
      if (failed) process.exitCode = 1;
    });
}
