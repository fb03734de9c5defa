import type { Server } from "node:http";
import { SCALER } from "../../components/contract/scaler";
import { Worker } from "node:worker_threads";
import { redactUrl, type SupervisorConfig } from "./config";
import { FaktoryMonitor, type OwnTerm } from "./faktory-monitor";
import { greets } from "./faktory-process";
import { FaktoryWatchdog } from "./faktory-watchdog";
import { startHealthServer } from "./health";
import { splitHostPort, type LeaseValue } from "./lease-scripts";
import { LeaseState } from "./lease-state";
import {
  STATUS_EVERY_MS,
  type FromLeaseWorker,
  type LeaseStatus,
  type LeaseWorkerData,
  type ToLeaseWorker,
} from "./lease-worker";
import { createLogger, type Logger } from "./log";
import { SupervisorMetrics } from "./metrics";
import { PeerDialer, PeerServer } from "./peer-server";
import { targetGreets, type RouteTarget } from "./route-target";
import { Router, type RouterTls } from "./router";
import {
  forwardToPrimary,
  parseScalerQuery,
  primaryAnswer,
  unknownAnswer,
  type ScalerAnswer,
} from "./scaler";
import { TlsCredentials } from "./tls-credentials";
import { contextOptions, type TlsIdentity } from "./tls-files";

/** Time for the draining announcement to reach the other routers and for quick in-flight commands to finish. */
const DRAIN_GRACE_MS = 150;
/** Bound on waiting for each client connection to fall idle before it is closed at shutdown. */
const CLOSE_GRACE_MS = 2_000;
/** Five missed reports from the lease worker: it is stuck. */
const WORKER_SILENCE_MS = 5 * STATUS_EVERY_MS;
/**
 * This thread's own heartbeat, and five missed beats: its event loop is blocked. The same five seconds
 * as WORKER_SILENCE_MS, but another thread's silence: either fails the liveness probe.
 */
const BEAT_MS = 1_000;
/** A standby's wait for the primary's scaler answer: well under KEDA's own HTTP timeout (3 s by default). */
const SCALER_FORWARD_TIMEOUT_MS = 1_500;
const BEAT_SILENCE_MS = 5 * BEAT_MS;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface SupervisorOptions {
  /** The script the lease worker thread runs: the supervisor bundle itself (see main.ts). */
  readonly workerScript: string;
  readonly log?: Logger;
  /** The checked certificate and key when TLS is on (main.ts reads them before anything starts). */
  readonly tlsIdentity?: TlsIdentity;
}

/**
 * The main thread: public routers and health endpoints. The lease, the elector and the Faktory child
 * live in a worker thread (lease-worker.ts); the routers learn the primary from its messages and read
 * the fencing state from shared memory.
 */
export class Supervisor {
  readonly log: Logger;
  readonly jobRouter: Router;
  readonly webRouter: Router;
  private readonly state = new LeaseState();
  private readonly watchdog: FaktoryWatchdog;
  private worker: Worker | null = null;
  private lease: LeaseStatus | null = null;
  /** The known primary, from the worker's "leader" message (sent on every change, not once a second). */
  private leader: LeaseValue | null = null;
  private lastWorkerReport = Date.now();
  private health: Server | null = null;
  private lastBeat = Date.now();
  private beat: NodeJS.Timeout | null = null;
  private shuttingDown: Promise<void> | null = null;
  private workerStopped: (() => void) | null = null;
  private readonly metricsRegistry = new SupervisorMetrics();
  /** Faktory's INFO, read here while we are primary (the lease thread is kept for the lease). */
  private readonly faktoryMonitor: FaktoryMonitor;
  /** With TLS on: the Secret's files kept current, the peer port, and how routers dial other pods' ones. */
  private readonly tls: {
    readonly credentials: TlsCredentials;
    readonly peerServer: PeerServer;
    readonly dialer: PeerDialer;
  } | null = null;
  /** The last term routed without TLS to another pod, or refused for lack of a peer port: said once. */
  private peerWarned: string | null = null;

  constructor(
    private readonly cfg: SupervisorConfig,
    private readonly opts: SupervisorOptions,
  ) {
    this.log = opts.log ?? createLogger(cfg.id);
    const routerBase = {
      listenHost: cfg.bindHost,
      holdMs: cfg.routerHoldMs,
      log: this.log,
      ...cfg.routerLimits,
    };
    let jobTls: RouterTls | undefined;
    let webTls: RouterTls | undefined;
    let credentials: TlsCredentials | null = null;
    if (cfg.tls.mode !== "off") {
      if (!opts.tlsIdentity) throw new Error("TLS is on but no certificate was loaded");
      credentials = new TlsCredentials(cfg.tls.dir, opts.tlsIdentity, this.log);
      const context = contextOptions(opts.tlsIdentity.files);
      const plain = cfg.tls.mode === "optional";
      jobTls = { port: cfg.tls.port, plain, context };
      webTls = { port: cfg.tls.webPort, plain, context };
    }
    this.jobRouter = new Router({
      ...routerBase,
      name: "faktory",
      port: cfg.port,
      password: cfg.faktoryPassword,
      ...(jobTls && { tls: jobTls }),
    });
    this.webRouter = new Router({
      ...routerBase,
      name: "web",
      port: cfg.webPort,
      ...(webTls && { tls: webTls }),
    });
    if (credentials && cfg.tls.mode !== "off") {
      const peerServer = new PeerServer({
        listenHost: cfg.bindHost,
        port: cfg.tls.peerPort,
        jobPort: cfg.internalPort,
        webPort: cfg.internalWebPort,
        context: contextOptions(credentials.current.files),
        // The other pods' routers dial it; their own caps bound how many connections come.
        handshakeTimeoutMs: this.jobRouter.limits.handshakeTimeoutMs,
        serving: () => this.ownTerm()?.ready === true,
        log: this.log,
      });
      const current = credentials;
      this.tls = { credentials, peerServer, dialer: new PeerDialer(() => current.current, this.log) };
      credentials.onChange((id) => {
        const context = contextOptions(id.files);
        this.jobRouter.setSecureContext(context);
        this.webRouter.setSecureContext(context);
        peerServer.setSecureContext(context);
      });
    }
    this.watchdog = new FaktoryWatchdog(this.state, cfg.renewDeadlineMs + cfg.stopTimeoutMs, this.log);
    this.faktoryMonitor = new FaktoryMonitor({
      host: "127.0.0.1",
      port: cfg.internalPort,
      password: cfg.faktoryPassword,
      intervalMs: cfg.metricsIntervalMs,
      ownTerm: () => this.ownTerm(),
      log: this.log,
    });
  }

  /** Our term while we are primary (and our lease is fresh), else null. */
  private ownTerm(): OwnTerm | null {
    const epoch = this.state.epoch();
    if (this.state.role() !== "primary" || epoch === null) return null;
    if (!this.state.fresh(epoch, this.cfg.renewDeadlineMs)) return null;
    const l = this.lease;
    return { epoch, ready: l?.term?.epoch === epoch && l.faktory.ready };
  }

  /**
   * Our own Faktory may take traffic only while our last successful renew is within renewDeadline;
   * a remote primary fences itself. Read from shared memory, so it is current even when this thread
   * was busy and has not yet processed the worker's messages.
   */
  private fresh(target: RouteTarget): boolean {
    return target.id !== this.cfg.id || this.state.fresh(target.epoch, this.cfg.renewDeadlineMs);
  }

  async start(): Promise<void> {
    this.jobRouter.setGuard((t) => this.fresh(t));
    this.webRouter.setGuard((t) => this.fresh(t));
    this.log.info("supervisor.starting", {
      redis: redactUrl(this.cfg.redisUrl),
      advertise: this.cfg.advertiseHost,
      ports: {
        job: this.cfg.port,
        web: this.cfg.webPort,
        health: this.cfg.healthPort,
        internal: this.cfg.internalPort,
        ...(this.cfg.tls.mode !== "off" && {
          tls: this.cfg.tls.port,
          tlsWeb: this.cfg.tls.webPort,
          peer: this.cfg.tls.peerPort,
        }),
      },
      ...(this.tls && { tls: { ...this.tlsStatus(), dir: this.tls.credentials.dir } }),
      timings: {
        ttlMs: this.cfg.leaseTtlMs,
        renewIntervalMs: this.cfg.renewIntervalMs,
        renewDeadlineMs: this.cfg.renewDeadlineMs,
        pollMs: this.cfg.pollMs,
        holdMs: this.cfg.routerHoldMs,
        stopTimeoutMs: this.cfg.stopTimeoutMs,
      },
    });
    await this.jobRouter.listen();
    await this.webRouter.listen();
    if (this.tls) {
      await this.tls.peerServer.listen();
      this.tls.credentials.start();
    }
    this.health = await startHealthServer(this.cfg.bindHost, this.cfg.healthPort, {
      alive: () => this.alive(),
      ready: () => this.isReady(),
      status: () => this.status(),
      metrics: () => this.metrics(),
      scaler: (params) => this.scaler(params),
    });
    this.beat = setInterval(() => (this.lastBeat = Date.now()), BEAT_MS);
    this.faktoryMonitor.start();
    this.startWorker();
    this.watchdog.start();
    this.log.info("supervisor.started", { pid: process.pid });
  }

  private startWorker(): void {
    const data: LeaseWorkerData = { cfg: this.cfg, state: this.state.buffer };
    const worker = new Worker(this.opts.workerScript, { workerData: data, stdout: false, stderr: false });
    worker.on("message", (m: FromLeaseWorker) => this.onWorkerMessage(m));
    worker.on("error", (e) => this.log.error("lease_worker.failed", { error: e.message }));
    worker.on("exit", (code) => {
      if (this.workerStopped) return this.workerStopped();
      // Without its lease side a pod must not keep a Faktory running nor route: die, and let the
      // orchestrator restart us. The Faktory child is in our process group; take it down first.
      this.log.error("lease_worker.exited", { code });
      const pid = this.state.faktoryPid();
      if (pid) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      process.exit(1);
    });
    this.worker = worker;
  }

  private post(m: ToLeaseWorker): void {
    this.worker?.postMessage(m);
  }

  private onWorkerMessage(m: FromLeaseWorker): void {
    switch (m.type) {
      case "leader":
        return this.onLeader(m.lease);
      case "draining":
        return this.jobRouter.drain(m.term);
      case "status": {
        const wasReady = this.ownTerm()?.ready ?? false;
        this.lease = m.status;
        this.lastWorkerReport = Date.now();
        this.metricsRegistry.observeRenewals(m.status.renewals, m.status.renewLatencyMs);
        // Our Faktory just became ready: read its figures now rather than at the next interval.
        if (!wasReady && this.ownTerm()?.ready) void this.faktoryMonitor.poll();
        return;
      }
      case "stopped":
        this.workerStopped?.();
        return;
    }
  }

  /** Graceful: stop accepting, stop Faktory if primary, release the lease, close everything. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      const t0 = Date.now();
      this.log.info("supervisor.shutdown", {});
      this.jobRouter.stopAccepting();
      this.webRouter.stopAccepting();
      const term = this.lease?.term;
      if (term && this.lease?.role === "primary") {
        // Planned handover: routers everywhere stop sending new commands to our Faktory before it gets
        // TERM, so no FETCH pops a job that Faktory then cannot reserve while shutting down.
        this.jobRouter.drain(term);
        this.post({ type: "drain" });
        await sleep(DRAIN_GRACE_MS);
      }
      if (this.worker) {
        const stopped = new Promise<void>((r) => (this.workerStopped = r));
        this.post({ type: "shutdown" });
        await stopped;
        await this.worker.terminate();
      }
      if (this.beat) clearInterval(this.beat);
      this.watchdog.stop();
      this.faktoryMonitor.stop();
      this.tls?.credentials.stop();
      await Promise.all([
        this.jobRouter.close(CLOSE_GRACE_MS),
        this.webRouter.close(),
        this.tls?.peerServer.close(),
      ]);
      await new Promise<void>((r) => (this.health ? this.health.close(() => r()) : r()));
      this.health?.closeAllConnections();
      this.log.info("supervisor.stopped", { ms: Date.now() - t0 });
    })();
    return this.shuttingDown;
  }

  private onLeader(lease: LeaseValue | null): void {
    this.leader = lease;
    let job: RouteTarget | null = null;
    let web: RouteTarget | null = null;
    if (lease && this.tls) {
      [job, web] = this.tlsTargets(lease);
    } else if (lease) {
      try {
        const term = { id: lease.id, epoch: lease.epoch };
        job = { ...splitHostPort(lease.addr), ...term };
        web = { ...splitHostPort(lease.web), ...term };
      } catch {
        // an unreadable address: route nowhere rather than guess
      }
    }
    this.jobRouter.setTarget(job);
    this.webRouter.setTarget(web);
  }

  /**
   * Where the routers send connections with TLS on. Our own Faktory: over loopback, it never leaves
   * the pod. Another pod's: its peer TLS port, verified. A primary that announces no peer port (a pod
   * not yet switched to TLS, mid-rollout) is reached in plain text only in mode optional (the
   * migration); in mode required it is not routed to at all.
   */
  private tlsTargets(lease: LeaseValue): [RouteTarget | null, RouteTarget | null] {
    const term = { id: lease.id, epoch: lease.epoch };
    const tls = this.tls!;
    try {
      if (lease.id === this.cfg.id) {
        return [
          { host: "127.0.0.1", port: this.cfg.internalPort, ...term },
          { host: "127.0.0.1", port: this.cfg.internalWebPort, ...term },
        ];
      }
      if (lease.peer !== undefined) {
        const peer = splitHostPort(lease.peer);
        return [
          { ...peer, ...term, tls: tls.dialer.dial("faktory", lease.peer) },
          { ...peer, ...term, tls: tls.dialer.dial("web", lease.peer) },
        ];
      }
      const key = `${lease.id}/${lease.epoch}`;
      const plain = this.cfg.tls.mode === "optional";
      if (this.peerWarned !== key) {
        this.peerWarned = key;
        const fields = { leader: lease.id, epoch: lease.epoch };
        // Plain text in the migration is expected; no route at all in required mode is an outage.
        if (plain) {
          this.log.warn("router.peer_plain", {
            ...fields,
            action: "the primary serves no peer TLS port: routing to it in plain text (mode optional)",
          });
        } else {
          this.log.error("router.peer_tls_missing", {
            ...fields,
            action:
              "the primary serves no peer TLS port: not routing to it (mode required); switch every pod to TLS",
          });
        }
      }
      if (!plain) return [null, null];
      return [
        { ...splitHostPort(lease.addr), ...term },
        { ...splitHostPort(lease.web), ...term },
      ];
    } catch {
      return [null, null]; // an unreadable address: route nowhere rather than guess
    }
  }

  /**
   * A lease worker past its own fence with our term held is stuck for sure (a running one would have
   * demoted): fail at once rather than after WORKER_SILENCE_MS, so the pod is restarted sooner.
   */
  private alive(): boolean {
    const now = Date.now();
    return (
      now - this.lastBeat < BEAT_SILENCE_MS &&
      now - this.lastWorkerReport < WORKER_SILENCE_MS &&
      !this.watchdog.stalled()
    );
  }

  private async isReady(): Promise<boolean> {
    const leader = this.leader;
    if (!leader) return false;
    // With TLS, the primary is reached the way the job router reaches it (never plain across pods).
    if (this.tls) {
      const target = this.jobRouter.currentTarget();
      return target !== null && targetGreets(target, 1_000);
    }
    const { host, port } = splitHostPort(leader.addr);
    return greets(host, port, 1_000);
  }

  /**
   * Role and term as the lease worker wrote them on its last change (shared memory), the known primary
   * from its last "leader" message: a pod that released its lease stops saying primary at once. The
   * once-a-second status report can lag a whole shutdown: a stopping worker sends no more, and its last
   * one may predate the release (Faktory that got TERM with the pod's process group exited first).
   */
  status(): Record<string, unknown> {
    const l = this.lease;
    const leader = this.leader;
    return {
      role: this.state.role(),
      id: this.cfg.id,
      leader: leader
        ? { id: leader.id, addr: leader.addr, web: leader.web, ...(leader.peer && { peer: leader.peer }) }
        : null,
      epoch: this.state.epoch() ?? leader?.epoch ?? null,
      since: l?.since ?? null,
      reason: this.reason(),
      waiting: l?.waiting ?? null,
      redis: { url: redactUrl(this.cfg.redisUrl), ok: l?.redis.ok ?? false, error: l?.redis.error ?? null },
      faktory: l?.faktory ?? { pid: null, ready: false, unexpectedExits: 0 },
      failovers: l?.failovers ?? 0,
      // The primary's latest read of its Faktory (queues, their latency, the sets); null elsewhere.
      jobs: this.jobFigures(),
      renewLatencyMs: summarize(l?.renewLatencyMs ?? []),
      routers: { faktory: this.jobRouter.snapshot(), web: this.webRouter.snapshot() },
      ...(this.tls && { tls: this.tlsStatus() }),
    };
  }

  /** The certificate served now (never the key). */
  private tlsStatus(): Record<string, unknown> {
    const id = this.tls!.credentials.current;
    return { mode: this.cfg.tls.mode, fingerprint: id.fingerprint, notAfter: id.notAfter, names: id.names };
  }

  private reason(): string {
    const l = this.lease;
    if (!l) return "starting";
    if (l.redis.error) return `Redis unreachable: ${l.redis.error}`;
    const role = this.state.role();
    if (role === "primary") return "holds the lease";
    if (role === "pending") {
      const w = l.waiting;
      const proof = w?.proof ? `${w.proof.id} (epoch ${w.proof.epoch}) to announce its stop, or ` : "";
      return `holds the lease; waits for ${proof}${w?.inMs ?? 0} ms (${w?.bound ?? "fence"} bound) before starting Faktory`;
    }
    return this.leader ? "standby: another supervisor holds the lease" : "standby: no primary known yet";
  }

  /** The latest read of our own Faktory in our own term; null on a standby or before a term. */
  private ownReading() {
    const own = this.ownTerm();
    return own ? this.faktoryMonitor.reading(own.epoch) : null;
  }

  private jobFigures(): Record<string, unknown> | null {
    const reading = this.ownReading();
    if (!reading?.figures) return null;
    const { queues, queueCount, sets, processed, failed, version } = reading.figures;
    return { at: reading.at, version, queues, queueCount, sets, processed, failed };
  }

  /**
   * The scaler endpoint: the primary answers from its latest reading of its Faktory; a standby asks the
   * primary; nobody else guesses (components/contract/scaler.ts).
   */
  private async scaler(params: URLSearchParams): Promise<ScalerAnswer> {
    const q = parseScalerQuery(params);
    if (typeof q === "string") return { code: 400, body: { error: q } };
    const own = this.ownTerm();
    if (own) {
      const staleMs = SCALER.staleAfterIntervals * this.cfg.metricsIntervalMs;
      return primaryAnswer(
        { id: this.cfg.id, epoch: own.epoch },
        this.ownReading(),
        q.queues,
        staleMs,
        Date.now(),
      );
    }
    const leader = this.leader;
    if (q.forwarded || !leader || leader.id === this.cfg.id) return unknownAnswer(this.reason());
    return forwardToPrimary(leader, q.queues, SCALER_FORWARD_TIMEOUT_MS);
  }

  private metrics(): Promise<string> {
    const l = this.lease;
    const own = this.ownTerm();
    const reading = this.ownReading();
    return this.metricsRegistry.render({
      lease: {
        role: this.state.role(),
        epoch: this.state.epoch() ?? this.leader?.epoch ?? null,
        failovers: l?.failovers ?? 0,
        faktoryUnexpectedExits: l?.faktory.unexpectedExits ?? 0,
        redisUp: l?.redis.ok ?? false,
        renewals: l?.renewals ?? 0,
        renewLatencyMs: l?.renewLatencyMs ?? [],
      },
      routers: { faktory: this.jobRouter.snapshot(), web: this.webRouter.snapshot() },
      // Only the primary shows Faktory's figures; until its first read, faktory_up is 0.
      faktory: own ? { figures: reading?.figures ?? null, readMs: reading?.ms ?? 0 } : null,
    });
  }
}

/** Renew latencies over the last renewals (at most 200), and the most recent ones as they came. */
function summarize(ms: readonly number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0);
  return { count: s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? 0, recent: ms.slice(-20) };
}
