import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  FaktoryWatchdog,
  WATCHDOG_GRACE_MS,
  WATCHDOG_PERIOD_MS,
} from "../../../supervisor/src/faktory-watchdog";
import { monotonicMs } from "../../../supervisor/src/clock";
import { LeaseState } from "../../../supervisor/src/lease-state";
import type { Logger } from "../../../supervisor/src/log";

// The main thread's watchdog against a real child process standing in for Faktory, the shared state
// written as the lease worker writes it.
const BOUND_MS = 300;

function recorder(): { log: Logger; events: { event: string; fields: Record<string, unknown> }[] } {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const push = (event: string, fields: Record<string, unknown> = {}) => events.push({ event, fields });
  return { log: { info: push, warn: push, error: push }, events };
}

function child(): ChildProcess {
  return spawn("sleep", ["30"], { stdio: "ignore" });
}

function exited(c: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((r) =>
    c.exitCode !== null || c.signalCode !== null ? r(c.signalCode) : c.once("exit", (_, s) => r(s)),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let running: { dog: FaktoryWatchdog; proc: ChildProcess }[] = [];
afterEach(() => {
  for (const r of running) {
    r.dog.stop();
    r.proc.kill("SIGKILL");
  }
  running = [];
});

function setup(): {
  state: LeaseState;
  dog: FaktoryWatchdog;
  proc: ChildProcess;
  events: ReturnType<typeof recorder>["events"];
} {
  const state = new LeaseState();
  const { log, events } = recorder();
  const dog = new FaktoryWatchdog(state, BOUND_MS, log);
  const proc = child();
  running.push({ dog, proc });
  return { state, dog, proc, events };
}

describe("FaktoryWatchdog", () => {
  it("kills Faktory once our held term goes past the bound without a renew, and says so once", async () => {
    const { state, dog, proc, events } = setup();
    const renewedAt = monotonicMs();
    state.write("primary", 7, renewedAt, proc.pid!);
    dog.start();
    await sleep(BOUND_MS - 100);
    expect(proc.exitCode ?? proc.signalCode).toBeNull();
    expect(dog.stalled()).toBe(false);
    const signal = await exited(proc);
    const killedAfter = monotonicMs() - renewedAt;
    await sleep(3 * WATCHDOG_PERIOD_MS);
    expect(signal).toBe("SIGKILL");
    expect(killedAfter).toBeGreaterThanOrEqual(BOUND_MS);
    expect(killedAfter).toBeLessThan(BOUND_MS + WATCHDOG_PERIOD_MS + 200);
    expect(dog.stalled()).toBe(true);
    expect(events.map((e) => e.event)).toEqual(["faktory.watchdog_kill"]);
    expect(events[0].fields).toMatchObject({ pid: proc.pid, epoch: 7, boundMs: BOUND_MS });
  });

  it("kills a Faktory that appears while the term stays overdue", async () => {
    const { state, dog, proc, events } = setup();
    state.write("primary", 3, monotonicMs() - BOUND_MS, proc.pid!);
    dog.check();
    expect(await exited(proc)).toBe("SIGKILL");
    const again = child();
    running.push({ dog, proc: again });
    state.write("primary", 3, monotonicMs() - BOUND_MS, again.pid!);
    dog.check();
    expect(await exited(again)).toBe("SIGKILL");
    expect(events.map((e) => e.fields.pid)).toEqual([proc.pid, again.pid]);
  });

  it("after a freeze of its own thread too (the whole process), leaves the lease worker a grace to stop Faktory", async () => {
    const { state, dog, proc, events } = setup();
    state.write("primary", 5, monotonicMs(), proc.pid!);
    dog.start();
    // SIGSTOP of the pod, as this thread sees it: it does not run for longer than the grace.
    const frozenUntil = monotonicMs() + BOUND_MS + WATCHDOG_GRACE_MS + 100;
    while (monotonicMs() < frozenUntil) {
      // frozen
    }
    const resumedAt = monotonicMs();
    const signal = await exited(proc);
    expect(signal).toBe("SIGKILL");
    expect(monotonicMs() - resumedAt).toBeGreaterThanOrEqual(WATCHDOG_GRACE_MS - WATCHDOG_PERIOD_MS);
    expect(events.map((e) => e.event)).toEqual(["faktory.watchdog_kill"]);
  });

  it("leaves Faktory alone while renewals are fresh, while a secondary stops it, and with no pid", async () => {
    const { state, dog, proc, events } = setup();
    state.write("primary", 1, monotonicMs(), proc.pid!);
    dog.check();
    // The lease worker demoted: it stops Faktory itself (TERM, then KILL after stopTimeout).
    state.write("secondary", null, null, proc.pid!);
    await sleep(BOUND_MS + 50);
    dog.check();
    state.write("pending", 2, monotonicMs() - 10 * BOUND_MS, null);
    dog.check();
    expect(dog.stalled()).toBe(true);
    await sleep(50);
    expect(proc.exitCode ?? proc.signalCode).toBeNull();
    expect(events).toEqual([]);
  });
});
