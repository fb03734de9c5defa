import { parentPort, type MessagePort } from "node:worker_threads";
import { leaseOverrunMs } from "../../components/contract/supervisor";
import type { SupervisorConfig } from "./config";
import { watchConfigDir } from "./config-watcher";
import { Elector, type DemoteReason, type ElectorSnapshot, type LeaseEvent } from "./elector";
import { FaktoryProcess } from "./faktory-process";
import { joinHostPort, type LeaseValue, type Term } from "./lease-scripts";
import { LeaseState, monotonicMs } from "./lease-state";
import { createLogger, redact } from "./log";
import { RedisLease } from "./redis-lease";

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
  readonly faktory: { readonly pid: number | null; readonly ready: boolean; readonly restarts: number };
  readonly failovers: number;
  /** Recent renew latencies (ms), newest last. */
  readonly renewLatencyMs: readonly number[];
  /** Successful renewals so far: how many of renewLatencyMs /metrics has not seen yet. */
  readonly renewals: number;
  readonly reportedAt: number;
}

const STATUS_EVERY_MS = 1_000;
const RENEW_SAMPLES = 200;

export function runLeaseWorker(data: LeaseWorkerData, port: MessagePort): void {
  const { cfg } = data;
  const log = createLogger(cfg.id);
  const state = new LeaseState(data.state);
  const lease = new RedisLease({
    redisUrl: cfg.redisUrl,
    keyPrefix: cfg.keyPrefix,
    id: cfg.id,
    addr: joinHostPort(cfg.advertiseHost, cfg.internalPort),
    webAddr: joinHostPort(cfg.advertiseHost, cfg.internalWebPort),
    ttlMs: cfg.leaseTtlMs,
    fenceMs: cfg.renewDeadlineMs + cfg.stopTimeoutMs,
    overrunMs: leaseOverrunMs({ ...cfg, ttlMs: cfg.leaseTtlMs }),
    // One Redis call may not eat more than a renew interval.
    commandTimeoutMs: Math.max(200, Math.min(cfg.renewIntervalMs, cfg.renewDeadlineMs - cfg.renewIntervalMs)),
    revision: cfg.revision,
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
    onState: () => report(),
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
        void faktory.start(l.epoch);
      },
      onDemote: async (l: LeaseValue, reason: DemoteReason) => {
        sync();
        log.warn("lease.demoted", { epoch: l.epoch, reason, at: Date.now() });
        await faktory.stop();
        log.info("faktory.stopped", { epoch: l.epoch, at: Date.now() });
      },
      onLeader: (l) => {
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

  /** Publishes the fencing-relevant state to the main thread's router guard, synchronously. */
  function sync(): void {
    const s = elector.snapshot();
    state.write(s.role, s.lease?.epoch ?? null, s.lastRenewOkAt);
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
        faktory: { pid: faktory.pid, ready: faktory.isReady, restarts: faktory.restarts },
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
