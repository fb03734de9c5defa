import type { RouteTarget } from "./route-target";

/** Between failed probes of a target that does not accept yet (a new primary's Faktory still booting). */
const PROBE_RETRY_MS = 50;
/** Between checks of a known target the router may not use (draining, or its lease guard says no). */
const RECHECK_MS = 100;
export const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Tells held connections when the current target accepts. However many connections wait, one prober
 * per router makes one connection attempt at a time; the waiters sleep on their own deadline and
 * connect only after a probe succeeded.
 */
export class TargetWatch {
  private accepting: RouteTarget | null = null;
  private readonly waiters = new Set<(ok: boolean) => void>();
  private probing = false;
  private nudge: (() => void) | null = null;

  constructor(
    private readonly current: () => RouteTarget | null,
    private readonly usable: (target: RouteTarget) => boolean,
    /** Whether the target serves a connection now (for Faktory: it greets, not just accepts). */
    private readonly serves: (target: RouteTarget) => Promise<boolean>,
  ) {}

  /** Whether the last connection made to this target (a probe or a session's) was accepted. */
  accepts(target: RouteTarget): boolean {
    return this.accepting === target;
  }

  /** A session could not connect (or was cut at once): later ones wait for a probe instead. */
  refused(target: RouteTarget): void {
    if (this.accepting === target) this.accepting = null;
  }

  /** The target, or whether it may be used, changed: probe now rather than after a pause. */
  changed(): void {
    this.accepting = null;
    const nudge = this.nudge;
    this.nudge = null;
    nudge?.();
  }

  /** Resolves true once the current target accepted a probe; false at the deadline or on abort. */
  wait(deadline: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.waiters.delete(done);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(done);
      if (!this.probing) void this.probe();
    });
  }

  private async probe(): Promise<void> {
    this.probing = true;
    try {
      while (this.waiters.size > 0) {
        const target = this.current();
        if (!target || !this.usable(target)) {
          // No target: only setTarget can help. Unusable: the guard has no event, so look again soon.
          await this.pause(target ? RECHECK_MS : undefined);
          continue;
        }
        if (!(await this.serves(target))) {
          await this.pause(PROBE_RETRY_MS);
          continue;
        }
        if (this.current() !== target) continue;
        this.accepting = target;
        for (const wake of [...this.waiters]) wake(true);
      }
    } finally {
      this.probing = false;
    }
  }

  /** Sleeps for ms (forever when undefined) or until changed(). */
  private pause(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        if (this.nudge === wake) this.nudge = null;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      this.nudge = wake;
    });
  }
}
