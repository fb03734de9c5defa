import type { SupervisorHandle } from "../../support/loopback";

/** One Faktory process's life as its supervisor logged it: from spawn to exit (a superset of "accepting"). */
export interface FaktoryLife {
  readonly id: string;
  readonly epoch: number;
  readonly pid: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Every Faktory each supervisor ran, from its `faktory.spawned` to its `faktory.exited` event, or to the
 * main thread's `faktory.watchdog_kill` of that pid when that came first (a stalled lease thread cannot
 * log the exit until it runs again). A Faktory with neither (its supervisor was killed, or it still runs)
 * lasts until `openEnd(supervisor)`: pass the time the test killed that pod, or now.
 */
export function faktoryLives(
  sups: readonly SupervisorHandle[],
  openEnd: (s: SupervisorHandle) => number = () => Date.now(),
): FaktoryLife[] {
  const lives: FaktoryLife[] = [];
  for (const s of sups) {
    for (const e of s.events) {
      if (e.event !== "faktory.spawned") continue;
      const pid = e.pid as number;
      const ends = s.events
        .filter((x) => (x.event === "faktory.exited" || x.event === "faktory.watchdog_kill") && x.pid === pid)
        .map((x) => x.at as number);
      lives.push({
        id: s.id,
        epoch: e.epoch as number,
        pid,
        from: e.at as number,
        to: ends.length ? Math.min(...ends) : openEnd(s),
      });
    }
  }
  return lives.sort((a, b) => a.from - b.from);
}

/** Longest time two Faktory of different supervisors were alive at once (0 when never). */
export function maxOverlapMs(lives: readonly FaktoryLife[]): number {
  let worst = 0;
  for (let i = 0; i < lives.length; i++) {
    for (let j = i + 1; j < lives.length; j++) {
      if (lives[i].id === lives[j].id) continue;
      const o = Math.min(lives[i].to, lives[j].to) - Math.max(lives[i].from, lives[j].from);
      if (o > worst) worst = o;
    }
  }
  return worst;
}
