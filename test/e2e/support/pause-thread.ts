import { spawn } from "node:child_process";
import { bundleOnce, type SupervisorHandle } from "../../support/loopback";

/** A supervisor whose lease thread is paused in the debugger while its main thread keeps running. */
export interface PausedThread {
  /** When the worker reported Debugger.paused (its JavaScript stopped at the latest then). */
  readonly pausedAt: number;
  /** Lets the worker run again (the inspector session ends with it). */
  resume(): Promise<void>;
}

/**
 * Pauses the lease worker thread of `sup` (started with `inspectable: true`): SIGUSR1 opens its inspector,
 * and a helper process (thread-pauser-main.ts) sends Debugger.pause to the worker through NodeWorker. The
 * pause takes effect when the worker next runs JavaScript: within one renew interval.
 */
export async function pauseLeaseThread(sup: SupervisorHandle, timeoutMs = 10_000): Promise<PausedThread> {
  if (sup.inspectPort === null) throw new Error(`${sup.id} was not started inspectable`);
  process.kill(sup.proc.pid!, "SIGUSR1");
  const proc = spawn(
    process.execPath,
    [
      "--experimental-websocket",
      "--no-warnings",
      bundleOnce("test/e2e/support/thread-pauser-main.ts", "thread-pauser.js"),
      String(sup.inspectPort),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const exited = new Promise<void>((r) =>
    proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", () => r()),
  );
  const pausedAt = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${sup.id}: lease thread not paused within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on("message", (m: { type?: string; at?: number; error?: string }) => {
      if (m.type === "paused" && m.at !== undefined) {
        clearTimeout(t);
        resolve(m.at);
      } else if (m.type === "error") {
        clearTimeout(t);
        proc.kill("SIGKILL");
        reject(new Error(`${sup.id}: pausing the lease thread failed: ${m.error}`));
      }
    });
    proc.once("exit", (code) => reject(new Error(`thread pauser exited with ${code}`)));
  });
  return {
    pausedAt,
    resume: async () => {
      if (proc.connected) proc.send({ cmd: "resume" });
      else proc.kill("SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      proc.kill("SIGKILL");
    },
  };
}
