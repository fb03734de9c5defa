import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import type { Logger } from "./log";

export interface FaktoryProcessOptions {
  readonly command: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Where Faktory's job port answers once it is up. */
  readonly host: string;
  readonly port: number;
  readonly stopTimeoutMs: number;
  readonly log: Logger;
  /** Called with the new pid when Faktory answers, and with null when it has exited. */
  readonly onState?: (state: { running: boolean; ready: boolean; pid: number | null }) => void;
  /**
   * Faktory exited (or could not be spawned) without being asked to stop. It is not restarted: routers
   * that saw it refuse commands while it shut down treat its term as draining for good, so the term
   * must end with it. `consecutive` counts such exits since a Faktory last ran for HEALTHY_RUN_MS.
   */
  readonly onUnexpectedExit?: (exit: { readonly epoch: number; readonly consecutive: number }) => void;
}

/** A Faktory that ran this long was not crash-looping: the count of consecutive exits starts over. */
const HEALTHY_RUN_MS = 30_000;
const HOLDOFF_MIN_MS = 250;
const HOLDOFF_MAX_MS = 10_000;

/**
 * How long a pod whose Faktory exited unasked `consecutive` times in a row leaves the lease to others:
 * a Faktory that crashes on boot on every pod must not make the lease hop every few hundred ms. With
 * standbys the others take over at once; alone, the pod takes its lease back after this.
 */
export function holdoffAfterExits(consecutive: number): number {
  return Math.min(HOLDOFF_MIN_MS * 2 ** Math.max(0, consecutive - 1), HOLDOFF_MAX_MS);
}

/**
 * The Faktory child while this pod is primary: one process per term. Start it, stop it with TERM then
 * KILL after a bound; if it exits on its own, report it (onUnexpectedExit) instead of restarting it. The
 * child stays in the supervisor's process group: when the container (or a test playing a node) stops or
 * kills the group, both go together.
 */
export class FaktoryProcess {
  private child: ChildProcess | null = null;
  private wanted = false;
  private exited: Promise<void> = Promise.resolve();
  private consecutiveExits = 0;
  private ready = false;
  private generation = 0;
  /** Times Faktory exited (or failed to spawn) while wanted, each ending its term. */
  unexpectedExits = 0;

  constructor(private readonly opts: FaktoryProcessOptions) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Starts Faktory and resolves when it answers on its job port (or when asked to stop meanwhile). */
  async start(epoch: number): Promise<void> {
    this.wanted = true;
    await this.spawn(epoch);
  }

  private async spawn(epoch: number): Promise<void> {
    if (!this.wanted || this.child) return;
    const gen = ++this.generation;
    const [cmd, ...args] = this.opts.command;
    // Taken before the spawn, so a logged life (spawned..exited) always covers the real one.
    const startedAt = Date.now();
    const child = spawn(cmd, args, { env: this.opts.env, stdio: ["ignore", "inherit", "inherit"] });
    this.child = child;
    this.ready = false;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        if (this.child === child) this.child = null;
        this.ready = false;
        this.opts.log.info("faktory.exited", { epoch, pid: child.pid, code, signal, at: Date.now() });
        this.opts.onState?.({ running: false, ready: false, pid: null });
        if (Date.now() - startedAt >= HEALTHY_RUN_MS) this.consecutiveExits = 0;
        resolve();
        if (this.wanted && gen === this.generation) this.exitedUnasked(epoch);
      });
      // Node may emit "exit" after "error" too: exitedUnasked clears `wanted`, so it reports once.
      child.once("error", (err) => {
        this.opts.log.error("faktory.spawn_failed", { epoch, error: err.message });
        if (this.child === child) this.child = null;
        resolve();
        if (this.wanted && gen === this.generation) this.exitedUnasked(epoch);
      });
    });
    this.opts.log.info("faktory.spawned", { epoch, pid: child.pid, at: startedAt });
    this.opts.onState?.({ running: true, ready: false, pid: child.pid ?? null });
    const answered = await this.waitUntilAnswering(child);
    if (answered && this.child === child) {
      this.ready = true;
      this.opts.log.info("faktory.ready", {
        epoch,
        pid: child.pid,
        bootMs: Date.now() - startedAt,
        at: Date.now(),
      });
      this.opts.onState?.({ running: true, ready: true, pid: child.pid ?? null });
    }
  }

  private exitedUnasked(epoch: number): void {
    this.wanted = false;
    this.consecutiveExits++;
    this.unexpectedExits++;
    this.opts.onUnexpectedExit?.({ epoch, consecutive: this.consecutiveExits });
  }

  private async waitUntilAnswering(child: ChildProcess): Promise<boolean> {
    for (;;) {
      if (this.child !== child || child.exitCode !== null || child.signalCode !== null) return false;
      if (await greets(this.opts.host, this.opts.port)) return true;
      await sleep(25);
    }
  }

  /** Forwards SIGHUP so Faktory reloads its config (cron) without a failover. */
  reload(): boolean {
    if (!this.child?.pid) return false;
    try {
      process.kill(this.child.pid, "SIGHUP");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * TERM, then KILL after stopTimeout, to Faktory's pid only: its process group is the supervisor's
   * own. Resolves once Faktory has exited.
   */
  async stop(): Promise<void> {
    this.wanted = false;
    this.generation++;
    const child = this.child;
    if (!child?.pid) return;
    const pid = child.pid;
    signal(pid, "SIGTERM");
    const killTimer = setTimeout(() => {
      this.opts.log.warn("faktory.kill", { pid, afterMs: this.opts.stopTimeoutMs });
      signal(pid, "SIGKILL");
    }, this.opts.stopTimeoutMs);
    await this.exited;
    clearTimeout(killTimer);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** True when something on host:port sends Faktory's "+HI" greeting. */
export function greets(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n")) done(buf.startsWith("+HI "));
    });
    sock.on("error", () => done(false));
    sock.on("close", () => done(buf.startsWith("+HI ")));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
