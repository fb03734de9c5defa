import { ConfigError, parseConfig } from "./config";
import { Supervisor } from "./supervisor";

function main(): void {
  let cfg;
  try {
    cfg = parseConfig(process.env, process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`faktory-ha-supervisor: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const sup = new Supervisor(cfg);
  let signals = 0;
  const stop = (sig: string) => {
    if (++signals > 1) {
      sup.log.warn("supervisor.forced_exit", { signal: sig });
      process.exit(1);
    }
    void sup.shutdown().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  sup.start().catch((e: unknown) => {
    sup.log.error("supervisor.start_failed", { error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  });
}

main();
