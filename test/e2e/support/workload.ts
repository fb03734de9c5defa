import { Client } from "faktory-worker";
import type { JobPayload } from "faktory-worker/lib/job";
import type { ConnectionOptions } from "node:tls";
import type { Redis } from "ioredis";

/** What producers and workers did, to compare with what Redis still holds. */
export class Ledger {
  /** jid → time the PUSH was answered OK. */
  readonly pushed = new Map<string, number>();
  /**
   * jid → time its PUSH was sent. A job can only be lost to a kill whose Faktory had it, so it was sent
   * before the kill; the answer may still be read after it (the reply was in flight, or the event loop
   * was busy), which is why the answer's time is no bound.
   */
  readonly pushSent = new Map<string, number>();
  readonly pushErrors: { at: number; error: string }[] = [];
  /** jid → number of times a worker got it from FETCH. */
  readonly runs = new Map<string, number>();
  /** jid → times a worker got it (for explaining duplicates). */
  readonly runTimes = new Map<string, number[]>();
  readonly ackErrors: { at: number; error: string }[] = [];
  /** FETCHes that failed (e.g. their Faktory died with the command in flight). */
  readonly fetchErrors: number[] = [];

  /** Longest time between two consecutive successful PUSHes inside [from, to]. */
  maxPushGap(from = 0, to = Infinity): number {
    const times = [...this.pushed.values()].filter((t) => t >= from && t <= to).sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    return gap;
  }
}

/** A pooled client; with tls, it connects with TLS (faktory-worker's tlsOptions, e.g. the CA to verify). */
export function client(
  port: number,
  password: string | undefined,
  wid?: string,
  tls?: ConnectionOptions,
): Client {
  const c = new Client({
    host: "127.0.0.1",
    port,
    password,
    wid,
    poolSize: 2,
    ...(tls && { tlsOptions: tls }),
  });
  // The pool retries refused connects by itself (a router restarting); don't print each one.
  c.connectionFactory.onConnectionError = () => undefined;
  c.pool.removeAllListeners("factoryCreateError");
  c.pool.on("factoryCreateError", () => undefined);
  return c;
}

export interface Loop {
  stop(): Promise<void>;
}

/** PUSHes jobs one after another until stopped (a request/response loop, like an API handler). */
/**
 * One client, or clients (one per router) to pick from at random for every command. `up` plays the
 * load balancer's target health: a router whose pod is down is not picked.
 */
export type Clients = Client | Client[] | { clients: Client[]; up: (i: number) => boolean };
function pick(c: Clients): Client {
  if (c instanceof Client) return c;
  const list = Array.isArray(c) ? c : c.clients;
  const up = Array.isArray(c) ? () => true : c.up;
  const live = list.filter((_, i) => up(i));
  const from = live.length ? live : list;
  return from[Math.floor(Math.random() * from.length)];
}

export function producer(
  ledger: Ledger,
  c: Clients,
  queue: string,
  extra: Partial<JobPayload> = {},
  pauseMs = 0,
): Loop {
  let running = true;
  const done = (async () => {
    let n = 0;
    while (running) {
      try {
        const sentAt = Date.now();
        const jid = await pick(c).push({ jobtype: "e2e", queue, args: [n++], ...extra });
        ledger.pushed.set(jid, Date.now());
        ledger.pushSent.set(jid, sentAt);
        if (pauseMs) await sleep(pauseMs);
      } catch (e) {
        ledger.pushErrors.push({ at: Date.now(), error: String(e) });
        await sleep(20);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/**
 * FETCHes through one client and ACKs through another (different connections, maybe different routers),
 * pausing `pauseMs` after each job (its work).
 */
export function worker(ledger: Ledger, fetcher: Clients, acker: Clients, queue: string, pauseMs = 0): Loop {
  let running = true;
  const done = (async () => {
    while (running) {
      let job: JobPayload | null;
      try {
        job = await pick(fetcher).fetch(queue);
      } catch {
        ledger.fetchErrors.push(Date.now());
        await sleep(20);
        continue;
      }
      if (!job) continue;
      ledger.runs.set(job.jid, (ledger.runs.get(job.jid) ?? 0) + 1);
      ledger.runTimes.set(job.jid, [...(ledger.runTimes.get(job.jid) ?? []), Date.now()]);
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await pick(acker).ack(job.jid);
          break;
        } catch (e) {
          ledger.ackErrors.push({ at: Date.now(), error: String(e) });
          await sleep(50);
        }
      }
      if (pauseMs) await sleep(pauseMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** jids Faktory still holds in Redis for a later run: queue, reservations, retries, scheduled, dead. */
export async function jidsInRedis(
  redis: Redis,
  queue: string,
): Promise<{ queued: Set<string>; working: Set<string>; other: Set<string> }> {
  const fromJson = (items: string[], pick: (o: Record<string, unknown>) => unknown) =>
    new Set(
      items.map((s) => {
        const o = JSON.parse(s) as Record<string, unknown>;
        return String(pick(o));
      }),
    );
  const queued = fromJson(await redis.lrange(queue, 0, -1), (o) => o.jid);
  const working = fromJson(
    await redis.zrange("working", "0", "-1"),
    (o) => (o.job as Record<string, unknown>).jid,
  );
  const other = new Set<string>();
  for (const set of ["retries", "scheduled", "dead"]) {
    for (const jid of fromJson(await redis.zrange(set, "0", "-1"), (o) => o.jid)) other.add(jid);
  }
  return { queued, working, other };
}

export interface Audit {
  pushed: number;
  ran: number;
  duplicates: number;
  duplicated: { jid: string; pushedAt?: number; runs: number[]; retried: boolean }[];
  /** Pushed, never run, and no longer anywhere in Redis. */
  lost: string[];
  /** Pushed, not run yet, still in Redis (will run). */
  pending: number;
  pendingWhere: { queued: number; working: number; retriesOrDead: number };
  pushErrors: number;
  ackErrors: number;
}

export async function audit(ledger: Ledger, redis: Redis, queue: string): Promise<Audit> {
  const held = await jidsInRedis(redis, queue);
  const lost: string[] = [];
  let pending = 0;
  const pendingWhere = { queued: 0, working: 0, retriesOrDead: 0 };
  for (const jid of ledger.pushed.keys()) {
    if (ledger.runs.has(jid)) continue;
    if (held.queued.has(jid)) pendingWhere.queued++;
    else if (held.working.has(jid)) pendingWhere.working++;
    else if (held.other.has(jid)) pendingWhere.retriesOrDead++;
    else {
      lost.push(jid);
      continue;
    }
    pending++;
  }
  let duplicates = 0;
  const duplicated: { jid: string; pushedAt?: number; runs: number[]; retried: boolean }[] = [];
  for (const [jid, n] of ledger.runs) {
    if (n > 1) {
      duplicates += n - 1;
      duplicated.push({
        jid,
        pushedAt: ledger.pushed.get(jid),
        runs: ledger.runTimes.get(jid) ?? [],
        retried: held.other.has(jid),
      });
    }
  }
  return {
    duplicated,
    pushed: ledger.pushed.size,
    ran: [...ledger.pushed.keys()].filter((j) => ledger.runs.has(j)).length,
    duplicates,
    lost,
    pending,
    pendingWhere,
    pushErrors: ledger.pushErrors.length,
    ackErrors: ledger.ackErrors.length,
  };
}

/** Waits until every pushed job ran, or nothing new ran for idleMs. */
export async function drain(ledger: Ledger, idleMs: number, maxMs: number): Promise<void> {
  const start = Date.now();
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() - start < maxMs) {
    const ran = [...ledger.pushed.keys()].filter((j) => ledger.runs.has(j)).length;
    if (ran === ledger.pushed.size) return;
    if (ran !== last) {
      last = ran;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > idleMs) return;
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
