// A stand-alone `faktory-ha` with only the cron commands, spawned by the CLI tests so exit codes
// are those of a real process (cli/index.ts also needs modules other sessions are still writing).
import { Command } from "commander";
import { registerCron } from "../../../cli/cron";

const program = new Command("faktory-ha");
registerCron(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(3);
});
