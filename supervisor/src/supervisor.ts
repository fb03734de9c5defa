import type { Server } from "node:http";
import { redactUrl, type SupervisorConfig } from "./config";
import { watchConfigDir } from "./config-watcher";
import { Elector, systemClock, type DemoteReason } from "./elector";
import { FaktoryProcess, greets } from "./faktory-process";
import { startHealthServer } from "./health";
import { joinHostPort, splitHostPort, type LeaseValue } from "./lease-scripts";
import { createLogger, redact, type Logger } from "./log";
import { renderMetrics } from "./metrics";
import { RedisLease } from "./redis-lease";
import { Router } from "./router";

/** Time for the draining announcement to reach the other routers and for quick in-flight commands to finish. */
const DRAIN_GRACE_MS = 150;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wires lease, Faktory child, routers and health endpoints together. */
export class Supervisor {
  readonly log: Logger;
  private readonly lease: RedisLease;
  private readonly elector: Elector;
  private readonly faktory: FaktoryProcess;
  readonly jobRouter: Router;
  readonly webRouter: Router;
  private health: Server | null = null;
  private watcher: { close(): void } | null = null;
  private failovers = 0;
  private redisError: string | null = null;
  private readonly renewLatency: number[] = [];
  private lastBeat = Date.now();
  private beat: NodeJS.Timeout | null = null;
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly cfg: SupervisorConfig,
    log?: Logger,
  ) {
    this.log = log ?? createLogger(cfg.id);
    this.lease = new RedisLease({
      redisUrl: cfg.redisUrl,
      keyPrefix: cfg.keyPrefix,
      id: cfg.id,
      addr: joinHostPort(cfg.advertiseHost, cfg.internalPort),
      webAddr: joinHostPort(cfg.advertiseHost, cfg.internalWebPort),
      ttlMs: cfg.leaseTtlMs,
      // One Redis call may not eat more than a renew interval.
      commandTimeoutMs: Math.max(
        200,
        Math.min(cfg.renewIntervalMs, cfg.renewDeadlineMs - cfg.renewIntervalMs),
      ),
    });
    this.faktory = new FaktoryProcess({
      command: cfg.command,
      env: process.env,
      host: "127.0.0.1",
      port: cfg.internalPort,
      stopTimeoutMs: cfg.stopTimeoutMs,
      log: this.log,
    });
    const routerBase = { listenHost: cfg.bindHost, holdMs: cfg.routerHoldMs, log: this.log };
    this.jobRouter = new Router({
      ...routerBase,
      name: "faktory",
      port: cfg.port,
      password: cfg.faktoryPassword,
    });
    this.webRouter = new Router({ ...routerBase, name: "web", port: cfg.webPort });
    this.elector = new Elector(
      this.lease,
      {
        selfId: cfg.id,
        renewIntervalMs: cfg.renewIntervalMs,
        renewDeadlineMs: cfg.renewDeadlineMs,
        pollMs: cfg.pollMs,
      },
      {
        onPromote: (lease) => this.onPromote(lease),
        onDemote: (lease, reason) => this.onDemote(lease, reason),
        onLeader: (lease) => this.onLeader(lease),
        onRedisError: (e) => this.onRedisError(e),
        onRenew: (ms) => {
          this.renewLatency.push(ms);
          if (this.renewLatency.length > 200) this.renewLatency.shift();
        },
      },
    );
  }

  /** Our own Faktory may take traffic only while our last successful renew is within renewDeadline. */
  private localLeaseFresh(target: { epoch: number }): boolean {
    const s = this.elector.snapshot();
    if (s.lease === null || s.lease.epoch !== target.epoch) return true; // a remote primary fences itself
    return s.lastRenewOkAt !== null && systemClock.now() - s.lastRenewOkAt < this.cfg.renewDeadlineMs;
  }

  async start(): Promise<void> {
    this.jobRouter.setGuard((t) => this.localLeaseFresh(t));
    this.webRouter.setGuard((t) => this.localLeaseFresh(t));
    this.log.info("supervisor.starting", {
      redis: redactUrl(this.cfg.redisUrl),
      advertise: this.cfg.advertiseHost,
      ports: {
        job: this.cfg.port,
        web: this.cfg.webPort,
        health: this.cfg.healthPort,
        internal: this.cfg.internalPort,
      },
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
    this.health = await startHealthServer(this.cfg.bindHost, this.cfg.healthPort, {
      alive: () => Date.now() - this.lastBeat < 5_000,
      ready: () => this.isReady(),
      status: () => this.status(),
      metrics: () => this.metrics(),
    });
    this.beat = setInterval(() => (this.lastBeat = Date.now()), 1_000);
    await this.lease.connect();
    this.lease.subscribe((e) => {
      if (e.draining !== undefined) this.jobRouter.drain(e.draining);
      if (e.released !== undefined) this.elector.wake();
    });
    this.watcher = watchConfigDir(this.cfg.configDir, 250, () => this.onConfigChange());
    this.elector.start();
    this.log.info("supervisor.started", { pid: process.pid });
  }

  /** Graceful: stop accepting, stop Faktory if primary, release the lease, close everything. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      const t0 = Date.now();
      this.log.info("supervisor.shutdown", {});
      this.jobRouter.stopAccepting();
      this.webRouter.stopAccepting();
      const lease = this.elector.snapshot().lease;
      if (lease) {
        // Planned handover: routers everywhere stop sending new commands to our Faktory before it gets
        // TERM, so no FETCH pops a job that Faktory then cannot reserve while shutting down.
        this.jobRouter.drain(lease.epoch);
        await this.lease.announceDraining(lease.epoch).catch(() => undefined);
        await sleep(DRAIN_GRACE_MS);
      }
      await this.elector.stop();
      this.watcher?.close();
      if (this.beat) clearInterval(this.beat);
      await Promise.all([this.jobRouter.close(), this.webRouter.close()]);
      await new Promise<void>((r) => (this.health ? this.health.close(() => r()) : r()));
      this.health?.closeAllConnections();
      await this.lease.close();
      this.log.info("supervisor.stopped", { ms: Date.now() - t0 });
    })();
    return this.shuttingDown;
  }

  private onPromote(lease: LeaseValue): void {
    this.failovers++;
    this.log.info("lease.acquired", { epoch: lease.epoch, at: Date.now() });
    void this.faktory.start(lease.epoch);
  }

  private async onDemote(lease: LeaseValue, reason: DemoteReason): Promise<void> {
    this.log.warn("lease.demoted", { epoch: lease.epoch, reason, at: Date.now() });
    await this.faktory.stop();
    this.log.info("faktory.stopped", { epoch: lease.epoch, at: Date.now() });
  }

  private onLeader(lease: LeaseValue | null): void {
    this.log.info(
      "leader.changed",
      lease ? { leader: lease.id, addr: lease.addr, epoch: lease.epoch } : { leader: null },
    );
    if (!lease) {
      this.jobRouter.setTarget(null);
      this.webRouter.setTarget(null);
      return;
    }
    try {
      const job = splitHostPort(lease.addr);
      const web = splitHostPort(lease.web);
      this.jobRouter.setTarget({ ...job, epoch: lease.epoch });
      this.webRouter.setTarget({ ...web, epoch: lease.epoch });
    } catch {
      this.jobRouter.setTarget(null);
      this.webRouter.setTarget(null);
    }
  }

  private onRedisError(e: Error | null): void {
    const msg = e ? redact(e.message) : null;
    if (msg !== this.redisError)
      this.log.warn(msg ? "redis.error" : "redis.recovered", msg ? { error: msg } : {});
    this.redisError = msg;
  }

  private onConfigChange(): void {
    if (this.elector.snapshot().role === "primary" && this.faktory.reload()) {
      this.log.info("faktory.reload", { reason: "config changed", dir: this.cfg.configDir });
    }
  }

  private async isReady(): Promise<boolean> {
    const leader = this.elector.snapshot().leader;
    if (!leader) return false;
    const { host, port } = splitHostPort(leader.addr);
    return greets(host, port, 1_000);
  }

  status(): Record<string, unknown> {
    const s = this.elector.snapshot();
    return {
      role: s.role,
      id: this.cfg.id,
      leader: s.leader ? { id: s.leader.id, addr: s.leader.addr, web: s.leader.web } : null,
      epoch: s.leader?.epoch ?? null,
      since: new Date(s.since).toISOString(),
      reason: this.reason(s.role, s.leader !== null),
      redis: { url: redactUrl(this.cfg.redisUrl), ok: this.redisError === null, error: this.redisError },
      faktory: { pid: this.faktory.pid, ready: this.faktory.isReady, restarts: this.faktory.restarts },
      failovers: this.failovers,
      routers: { faktory: { ...this.jobRouter.stats }, web: { ...this.webRouter.stats } },
    };
  }

  private reason(role: string, leaderKnown: boolean): string {
    if (this.redisError) return `Redis unreachable: ${this.redisError}`;
    if (role === "primary") return "holds the lease";
    return leaderKnown ? "standby: another supervisor holds the lease" : "standby: no primary known yet";
  }

  private metrics(): string {
    const s = this.elector.snapshot();
    return renderMetrics({
      role: s.role,
      epoch: s.leader?.epoch ?? null,
      failovers: this.failovers,
      faktoryRestarts: this.faktory.restarts,
      redisUp: this.redisError === null,
      renewLatencyMs: this.renewLatency,
      routers: { faktory: this.jobRouter.stats, web: this.webRouter.stats },
    });
  }
}
