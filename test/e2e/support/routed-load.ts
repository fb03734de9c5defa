import { withTimeout, type SupervisorHandle } from "../../support/loopback";
import { client, drain, Ledger, producer, sleep, worker, type Loop } from "./workload";

/** Producers and workers through the routers of some pods, with a way out when the cluster is wedged. */
export interface RoutedLoad {
  readonly ledger: Ledger;
  /** Stops producers, lets workers drain, stops workers, closes clients. */
  stop(): Promise<void>;
  /** After a failed assertion: stop every loop without draining (stop the cluster first: a held PUSH ends then). */
  halt(): Promise<void>;
}

/**
 * Two producers and two workers; every command goes through the router of a pod picked at random among
 * `via` (as behind a load balancer). Workers FETCH and ACK on different connections. Producers pause
 * `pauseMs` between PUSHes, so a 2-core machine keeps up while several supervisors and Faktory run.
 */
export function routedLoad(
  queue: string,
  via: readonly SupervisorHandle[],
  password: string | undefined,
  pauseMs = 5,
): RoutedLoad {
  const ledger = new Ledger();
  const plain = via.map((s) => client(s.ports.port, password));
  const fetchers = via.map((s, i) => client(s.ports.port, password, `w-${queue}-${i}`));
  const producers: Loop[] = [
    producer(ledger, plain, queue, {}, pauseMs),
    producer(ledger, plain, queue, {}, pauseMs),
  ];
  const workers: Loop[] = [worker(ledger, fetchers, plain, queue), worker(ledger, fetchers, plain, queue)];
  const closeClients = () =>
    Promise.all([...plain, ...fetchers].map((c) => withTimeout(c.close(), 3000).catch(() => undefined)));
  return {
    ledger,
    stop: async () => {
      await Promise.all(producers.map((l) => l.stop()));
      await drain(ledger, 4000, 20_000);
      await Promise.all(workers.map((l) => l.stop()));
      await closeClients();
    },
    halt: async () => {
      const stopping = Promise.all([...producers, ...workers].map((l) => l.stop()));
      await Promise.race([stopping, sleep(20_000)]);
      await closeClients();
    },
  };
}

function pushTimes(ledger: Ledger, from: number, to: number): number[] {
  return [...ledger.pushed.values()].filter((t) => t >= from && t <= to).sort((a, b) => a - b);
}

/**
 * Longest stretch without a successful PUSH in [from, to], the stretches from `from` to the first PUSH and
 * from the last PUSH to `to` included (so "PUSH never came back" shows as a long gap, unlike
 * Ledger.maxPushGap).
 */
export function maxGapWithTail(ledger: Ledger, from: number, to: number): number {
  let gap = 0;
  let prev = from;
  for (const t of [...pushTimes(ledger, from, to), to]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}

/**
 * Since when PUSH has worked without interruption — no PUSH error and no pause longer than `maxGapMs` —
 * counting from `since` at the earliest; null when the last successful PUSH is more than `maxGapMs` old.
 */
export function steadySince(ledger: Ledger, since: number, now: number, maxGapMs: number): number | null {
  const times = pushTimes(ledger, since, now);
  if (!times.length || now - times[times.length - 1] > maxGapMs) return null;
  let start = times[times.length - 1];
  for (let i = times.length - 1; i > 0 && times[i] - times[i - 1] <= maxGapMs; i--) start = times[i - 1];
  if (start - since <= maxGapMs) start = since;
  let lastError = since;
  for (const e of ledger.pushErrors) if (e.at <= now && e.at > lastError) lastError = e.at;
  return lastError > start ? (times.find((t) => t > lastError) ?? null) : start;
}

/**
 * Waits (polling, bounded by `deadline`) until PUSH has been steady for `steadyMs` since `from` or later.
 * Returns the start of that steady stretch, or null if it never came within the deadline.
 */
export async function waitSteadyPushes(
  ledger: Ledger,
  from: number,
  steadyMs: number,
  maxGapMs: number,
  deadline: number,
): Promise<number | null> {
  while (Date.now() < deadline) {
    const since = steadySince(ledger, from, Date.now(), maxGapMs);
    if (since !== null && Date.now() - since >= steadyMs) return since;
    await sleep(200);
  }
  return null;
}

/** "sup-0 primary (holds the lease); sup-1 secondary (…)": for failure messages. */
export async function describeSupervisors(sups: readonly SupervisorHandle[]): Promise<string> {
  const parts = await Promise.all(
    sups.map(async (s) => {
      try {
        const st = await withTimeout(s.status(), 1000);
        return `${s.id} ${String(st.role)} (${String(st.reason)})`;
      } catch {
        return `${s.id} (no /status)`;
      }
    }),
  );
  return parts.join("; ");
}
