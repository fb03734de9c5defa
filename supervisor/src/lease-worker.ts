import { parentPort, type MessagePort } from "node:worker_threads";
import { leaseOverrunMs } from "../../components/contract/supervisor";
import { monotonicMs } from "./clock";
import type { SupervisorConfig } from "./config";
import { watchConfigDir } from "./config-watcher";
import { Elector, type DemoteReason, type ElectorSnapshot } from "./elector";
import { FaktoryProcess, holdoffAfterExits } from "./faktory-process";
import { joinHostPort, splitHostPort, type LeaseValue } from "./lease-scripts";
import { LeaseState } from "./lease-state";
import type { LeaseEvent } from "./lease-store";
import { createLogger, redact } from "./log";
import { COMPATIBLE_PROTOCOLS, type ForeignValue } from "./protocol-version";
import { RedisLease } from "./redis-lease";
import type { Term } from "./term";

/**
 * The lease side of a supervisor, in its own thread: lease, elector and the Faktory child. Renewals
 * and fencing run on this thread's event loop, so no amount of client traffic on the routers (main
 * thread) can delay them.
 */

export interface LeaseWorkerData {
  readonly cfg: SupervisorConfig;
  /** LeaseState's shared memory. */
  readonly state: SharedArrayBuffer;
}

export type ToLeaseWorker = { readonly type: "drain" } | { readonly type: "shutdown" };

export type FromLeaseWorker =
  | { readonly type: "leader"; readonly lease: LeaseValue | null }
  | { readonly type: "draining"; readonly term: Term }
  | { readonly type: "status"; readonly status: LeaseStatus }
  | { readonly type: "stopped" };

/** What /status and /metrics show of the lease side. */
export interface LeaseStatus {
  readonly role: ElectorSnapshot["role"];
  readonly term: Term | null;
  readonly leader: LeaseValue | null;
  readonly since: string;
  /** Pending only: what the new holder waits for before it starts Faktory. */
  readonly waiting: { readonly proof: Term | null; readonly inMs: number; readonly bound: string } | null;
  readonly highestEpoch: number;
  readonly redis: { readonly ok: boolean; readonly error: string | null };
  readonly faktory: {
    readonly pid: number | null;
    readonly ready: boolean;
    /** Times Faktory exited without being asked while this pod was primary (each ended its term). */
    readonly unexpectedExits: number;
  };
  readonly failovers: number;
  /** Recent renew latencies (ms), newest last. */
  readonly renewLatencyMs: readonly number[];
  /** Successful renewals so far: how many of renewLatencyMs /metrics has not seen yet. */
  readonly renewals: number;
  readonly reportedAt: number;
}

/** How often the main thread hears from this thread: its liveness check counts on it. */
export const STATUS_EVERY_MS = 1_000;
/** Recent primaries' hosts to fence: more than the failovers that can pile up while Faktory is stopped. */
const MAX_PREDECESSOR_HOSTS = 8;
const RENEW_SAMPLES = 200;
const FOREIGN_REPEAT_MS = 60_000;

export function runLeaseWorker(data: LeaseWorkerData, port: MessagePort): void {
  const { cfg } = data;
  const log = createLogger(cfg.id);
  // Met on every poll while it lasts: said once a minute per value, not every second.
  const foreignSaid = new Map<string, number>();
  const foreignSeen = (value: ForeignValue) => {
    const key = `${value.kind} ${value.holder} ${value.version}`;
    const now = Date.now();
    if (now - (foreignSaid.get(key) ?? -Infinity) < FOREIGN_REPEAT_MS) return;
    foreignSaid.set(key, now);
    log.warn("protocol.foreign", {
      ...value,
      speaks: COMPATIBLE_PROTOCOLS,
      action:
        value.kind === "lease"
          ? "not acquiring over it or routing to it while it exists; finish or roll back the upgrade"
          : "ignored",
      at: now,
    });
  };
  const state = new LeaseState(data.state);
  const lease = new RedisLease({
    redisUrl: cfg.redisUrl,
    keyPrefix: cfg.keyPrefix,
    database: cfg.leaseDatabase,
    id: cfg.id,
    addr: joinHostPort(cfg.advertiseHost, cfg.internalPort),
    webAddr: joinHostPort(cfg.advertiseHost, cfg.internalWebPort),
    peerAddr: cfg.tls.mode === "off" ? "" : joinHostPort(cfg.advertiseHost, cfg.tls.peerPort),
    healthAddr: joinHostPort(cfg.advertiseHost, cfg.healthPort),
    ttlMs: cfg.leaseTtlMs,
    fenceMs: cfg.renewDeadlineMs + cfg.stopTimeoutMs,
    overrunMs: leaseOverrunMs({ ...cfg, ttlMs: cfg.leaseTtlMs }),
    // One Redis call may not eat more than a renew interval.
    commandTimeoutMs: Math.max(200, Math.min(cfg.renewIntervalMs, cfg.renewDeadlineMs - cfg.renewIntervalMs)),
    revision: cfg.revision,
    podUid: cfg.podUid,
    onForeign: (value) => foreignSeen(value),
  });
  const send = (m: FromLeaseWorker) => port.postMessage(m);
  let failovers = 0;
  let redisError: string | null = null;
  const renewLatency: number[] = [];
  let renewals = 0;
  const faktory = new FaktoryProcess({
    command: cfg.command,
    env: process.env,
    host: "127.0.0.1",
    port: cfg.internalPort,
    stopTimeoutMs: cfg.stopTimeoutMs,
    log,
    onState: () => {
      sync();
      report();
    },
    onUnexpectedExit: ({ epoch, consecutive }) => {
      // The term ends with its Faktory: a replacement runs under a new epoch, here or on a standby.
      if (elector.snapshot().lease?.epoch !== epoch) return;
      const holdoffMs = holdoffAfterExits(consecutive);
      log.warn("faktory.unexpected_exit", { epoch, consecutive, holdoffMs, at: Date.now() });
      void elector.relinquish(holdoffMs);
    },
  });

  const elector: Elector = new Elector(
    lease,
    {
      selfId: cfg.id,
      ttlMs: cfg.leaseTtlMs,
      renewIntervalMs: cfg.renewIntervalMs,
      renewDeadlineMs: cfg.renewDeadlineMs,
      pollMs: cfg.pollMs,
      revision: cfg.revision,
      podUid: cfg.podUid,
    },
    {
      onPending: (l, wait) => {
        log.info("lease.acquired", {
          epoch: l.epoch,
          waitFor: wait.proof,
          waitMs: Math.max(0, Math.round(wait.until - monotonicMs())),
          bound: wait.bound,
          at: Date.now(),
        });
        sync();
      },
      onPromote: (l) => {
        failovers++;
        log.info("lease.promoted", { epoch: l.epoch, at: Date.now() });
        sync();
        void fenceThenStart(l);
      },
      onDemote: async (l: LeaseValue, reason: DemoteReason) => {
        sync();
        log.warn("lease.demoted", { epoch: l.epoch, reason, at: Date.now() });
        await faktory.stop();
        log.info("faktory.stopped", { epoch: l.epoch, at: Date.now() });
      },
      onLeader: (l) => {
        if (l && l.id !== cfg.id) rememberPredecessor(l.addr);
        sync();
        log.info("leader.changed", l ? { leader: l.id, addr: l.addr, epoch: l.epoch } : { leader: null });
        send({ type: "leader", lease: l });
      },
      onRedisError: (e) => {
        const msg = e ? redact(e.message) : null;
        if (msg !== redisError) {
          if (msg) log.warn("redis.error", { error: msg });
          else log.info("redis.recovered", {});
        }
        redisError = msg;
        report();
      },
      onRenew: (ms) => {
        sync();
        renewLatency.push(ms);
        renewals++;
        if (renewLatency.length > RENEW_SAMPLES) renewLatency.shift();
      },
    },
  );

  /** Hosts of the latest primaries other than us, newest last: where a fenced Faktory may have sockets. */
  const predecessorHosts = new Set<string>();
  function rememberPredecessor(addr: string): void {
    let host: string;
    try {
      host = splitHostPort(addr).host;
    } catch {
      return;
    }
    predecessorHosts.delete(host);
    predecessorHosts.add(host);
    for (const oldest of predecessorHosts) {
      if (predecessorHosts.size <= MAX_PREDECESSOR_HOSTS) break;
      predecessorHosts.delete(oldest);
    }
  }

  /**
   * Closes the predecessors' Faktory connections on the Redis server, then starts ours. A Faktory fenced
   * by a partition leaves commands in its orphaned sockets that Redis would run when the partition heals,
   * behind our Faktory's back (RedisLease.fenceClients). Faktory starts even if that failed: the fence
   * and expiry bounds still hold, only late commands are not stopped.
   */
  async function fenceThenStart(l: LeaseValue): Promise<void> {
    const hosts = [...predecessorHosts];
    const started = Date.now();
    try {
      const r = await lease.fenceClients(hosts);
      log.info("lease.fenced_clients", {
        epoch: l.epoch,
        hosts,
        closed: r.closed,
        spared: r.spared.length,
        ms: Date.now() - started,
        at: Date.now(),
      });
    } catch (e) {
      log.warn("lease.fenced_clients", {
        epoch: l.epoch,
        hosts,
        closed: null,
        error: redact(e instanceof Error ? e.message : String(e)),
        ms: Date.now() - started,
        at: Date.now(),
      });
    }
    // A demotion while we waited has already stopped (nothing): starting now would outlive the term.
    const s = elector.snapshot();
    if (s.role !== "primary" || s.lease?.id !== l.id || s.lease.epoch !== l.epoch) {
      log.info("faktory.start_skipped", { epoch: l.epoch, role: s.role, now: s.lease?.epoch ?? null });
      return;
    }
    void faktory.start(l.epoch);
  }

  /**
   * Publishes the fencing-relevant state to the main thread (router guard, Faktory watchdog, /status),
   * synchronously: on every role, renew and Faktory pid change.
   */
  function sync(): void {
    const s = elector.snapshot();
    state.write(s.role, s.lease?.epoch ?? null, s.lastRenewOkAt, faktory.pid);
  }

  function report(): void {
    const s = elector.snapshot();
    send({
      type: "status",
      status: {
        role: s.role,
        term: s.lease ? { id: s.lease.id, epoch: s.lease.epoch } : null,
        leader: s.leader,
        since: new Date(Date.now() - (monotonicMs() - s.since)).toISOString(),
        waiting: s.waiting
          ? {
              proof: s.waiting.proof,
              inMs: Math.max(0, Math.round(s.waiting.until - monotonicMs())),
              bound: s.waiting.bound,
            }
          : null,
        highestEpoch: s.highestEpoch,
        redis: { ok: redisError === null, error: redisError },
        faktory: { pid: faktory.pid, ready: faktory.isReady, unexpectedExits: faktory.unexpectedExits },
        failovers,
        renewLatencyMs: [...renewLatency],
        renewals,
        reportedAt: Date.now(),
      },
    });
  }

  const watcher = watchConfigDir(cfg.configDir, 250, () => {
    if (elector.snapshot().role === "primary" && faktory.reload()) {
      log.info("faktory.reload", { reason: "config changed", dir: cfg.configDir });
    }
  });
  const ticker = setInterval(report, STATUS_EVERY_MS);

  port.on("message", (m: ToLeaseWorker) => {
    if (m.type === "drain") {
      const term = elector.snapshot().lease;
      if (term)
        void lease.announce({ kind: "draining", id: term.id, epoch: term.epoch }).catch(() => undefined);
      return;
    }
    void (async () => {
      clearInterval(ticker);
      await elector.stop();
      sync();
      watcher.close();
      await lease.close();
      send({ type: "stopped" });
    })();
  });

  void (async () => {
    await lease.connect();
    lease.subscribe((e: LeaseEvent) => {
      if (e.kind === "draining") send({ type: "draining", term: { id: e.id, epoch: e.epoch } });
      elector.onEvent(e);
    });
    elector.start();
    report();
  })();
}

/** Entry point when this module's bundle runs as the lease worker. */
export function leaseWorkerMain(data: LeaseWorkerData): void {
  if (!parentPort) throw new Error("lease worker started outside a worker thread");
  runLeaseWorker(data, parentPort);
}
