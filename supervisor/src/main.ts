import { isMainThread, workerData } from "node:worker_threads";
import { ConfigError, parseConfig } from "./config";
import { loadTlsIdentity, TlsFilesError, tlsStartError, type TlsIdentity } from "./tls-files";
import { leaseWorkerMain, type LeaseWorkerData } from "./lease-worker";
import { Supervisor } from "./supervisor";

/** A configuration error (exit 2): the message on stderr, as for every other bad setting. */
function configurationError(message: string): never {
  process.stderr.write(`faktory-ha-supervisor: configuration error: ${message}\n`);
  process.exit(2);
}

function main(): void {
  let cfg;
  try {
    cfg = parseConfig(process.env, process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) configurationError(e.message);
    throw e;
  }
  // A TLS Secret that is missing or wrong at start is a configuration error like a bad variable.
  let tlsIdentity: TlsIdentity | undefined;
  if (cfg.tls.mode !== "off") {
    try {
      tlsIdentity = loadTlsIdentity(cfg.tls.dir);
    } catch (e) {
      if (e instanceof TlsFilesError) configurationError(tlsStartError(cfg.tls.dir, e));
      throw e;
    }
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
