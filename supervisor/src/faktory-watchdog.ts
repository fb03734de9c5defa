import { monotonicMs } from "./clock";
import type { LeaseState } from "./lease-state";
import type { Logger } from "./log";

/** How often the main thread checks the lease worker: the kill comes at most this much after its bound. */
export const WATCHDOG_PERIOD_MS = 100;
/**
 * A check this late means the main thread did not run either: the whole process was frozen (SIGSTOP, a
 * paused VM), not the lease worker alone. Both resume together, and the worker's overdue deadline timer
 * demotes within milliseconds and stops Faktory its own way (TERM, then KILL): the watchdog leaves it this
 * much running time before it steps in.
 */
export const WATCHDOG_GRACE_MS = 500;

/**
 * The main thread's fence for a stalled lease thread. Only the lease worker's timers stop Faktory; if that
 * thread stops running (a wedged event loop, a long pause) while it holds a term, nothing else would, and
 * the other pods' routers keep sending to this Faktory after the lease expired. From shared memory
 * (LeaseState, written by the worker) this SIGKILLs the published Faktory pid once our own term has gone
 * renewDeadline + stopTimeout without a renew: the moment by which the worker itself would have
 * demoted (renewDeadline) and killed Faktory (stopTimeout). A worker that runs has written "secondary" by
 * then, so the two never both act. It keeps killing while the term stays overdue, whatever pid appears.
 *
 * Why the pid is safe to signal: the worker clears it in the same callback in which it learns of the
 * exit, and an exited child stays a zombie — its pid not reusable — until the worker's thread reaps it;
 * the watchdog acts only while that thread is not running.
 *
 * Why a busy main thread does not break the bound: router work runs in short callbacks (line length, held
 * bytes and connections are bounded), so the event loop turns over within milliseconds and the check runs
 * WATCHDOG_PERIOD_MS + that lag after it is due (+ WATCHDOG_GRACE_MS if this thread itself stalled for
 * longer than that). The margin it has before a successor may start is ttl − renewDeadline − stopTimeout
 * (4 s with the defaults, 1.2 s with the e2e timings); a main thread stalled longer than that also stops
 * answering /healthz.
 */
export class FaktoryWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private lastKilled: number | null = null;
  private lastCheckAt = monotonicMs();
  /** Since when this thread has run without a gap of WATCHDOG_GRACE_MS. */
  private runningSince = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly state: LeaseState,
    /** renewDeadline + stopTimeout. */
    private readonly boundMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.lastCheckAt = monotonicMs();
    this.timer ??= setInterval(() => this.check(), WATCHDOG_PERIOD_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** True while the lease worker holds our term past the bound: it is not running. */
  stalled(): boolean {
    return this.state.overdueMs(this.boundMs) !== null;
  }

  check(): void {
    const now = monotonicMs();
    if (now - this.lastCheckAt > WATCHDOG_PERIOD_MS + WATCHDOG_GRACE_MS) this.runningSince = now;
    this.lastCheckAt = now;
    const staleMs = this.state.overdueMs(this.boundMs);
    const pid = this.state.faktoryPid();
    if (staleMs === null || pid === null || now - this.runningSince < WATCHDOG_GRACE_MS) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return; // already gone
    }
    // A killed child stays a zombie until the stalled worker reaps it: one event per process.
    if (pid === this.lastKilled) return;
    this.lastKilled = pid;
    this.log.error("faktory.watchdog_kill", {
      pid,
      epoch: this.state.epoch(),
      staleMs: Math.round(staleMs),
      boundMs: this.boundMs,
      at: Date.now(),
    });
  }
}
