import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { greets } from "../../../supervisor/src/faktory-process";
import { faktoryBin } from "./binaries";
import { freePort } from "./free-port";
import { sleep } from "./timers";

/** A Faktory server started directly, without a supervisor (scenario 1's seed servers, router tests). */
export interface BareFaktory {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** Everything it printed, line by line. */
  readonly output: string[];
  /** Signals Faktory and its (embedded or stand-in) redis-server: their own process group. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILLs the group (thawing it first) and waits up to 3 s for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real Faktory binary on free loopback ports with its data in `<dir>/<name>`, and waits for
 * its greeting. `env` replaces the inherited environment's Faktory and Redis settings: pass
 * `sharedRedisEnv(redis)` to put it on a shared Redis, or `FAKTORY_PASSWORD` for a password.
 */
export async function startBareFaktory(
  dir: string,
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<BareFaktory> {
  const bin = faktoryBin(); // throws with a clear message when Faktory is not installed
  const port = await freePort();
  const web = await freePort();
  const data = join(dir, name);
  mkdirSync(data, { recursive: true });
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.FAKTORY_URL;
  delete childEnv.FAKTORY_PASSWORD;
  delete childEnv.REDIS_URL; // its own embedded Redis unless `env` says otherwise
  const proc = spawn(bin, ["-b", `127.0.0.1:${port}`, "-w", `127.0.0.1:${web}`, "-d", data, "-c", data], {
    env: { ...childEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const keep = (d: Buffer) => output.push(...d.toString().split("\n").filter(Boolean));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<void>((r) =>
    proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", () => r()),
  );
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    signal("SIGCONT");
    signal("SIGKILL");
    await Promise.race([exited, sleep(3000)]);
  };
  for (let i = 0; !(await greets("127.0.0.1", port)); i++) {
    if (proc.exitCode !== null || i > 200) {
      await stop();
      throw new Error(`Faktory ${name} did not start on ${port}:\n${output.join("\n")}`);
    }
    await sleep(50);
  }
  return { name, port, proc, output, signal, stop };
}
