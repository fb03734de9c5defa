import { isMainThread, workerData } from "node:worker_threads";
import { ConfigError, parseConfig } from "./config";
import { loadTlsIdentity, TlsFilesError, type TlsIdentity } from "./tls-files";
import { leaseWorkerMain, type LeaseWorkerData } from "./lease-worker";
import { Supervisor } from "./supervisor";

function main(): void {
  let cfg;
  let tlsIdentity: TlsIdentity | undefined;
  try {
    cfg = parseConfig(process.env, process.argv.slice(2));
    // A TLS Secret that is missing or wrong at start is a configuration error like a bad variable.
    if (cfg.tls.mode !== "off") tlsIdentity = loadTlsIdentity(cfg.tls.dir);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TlsFilesError) {
      process.stderr.write(`faktory-ha-supervisor: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // The bundle is one file: it runs again as the lease worker thread (below).
  const sup = new Supervisor(cfg, { workerScript: __filename, tlsIdentity });
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

if (isMainThread) main();
else leaseWorkerMain(workerData as LeaseWorkerData);
