import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Role } from "./elector";
import type { FaktoryFigures } from "./faktory-info";
import type { RouterStats } from "./router";

/**
 * /metrics on prom-client. Two registries: `faktory_ha_*` (and the process's own `process_*`/`nodejs_*`)
 * on every pod; `faktory_*` — Faktory's figures — only on the primary, so that summing a scrape of all
 * pods never counts a queue twice and a secondary shows no Faktory series at all.
 */

export interface LeaseFigures {
  readonly role: Role;
  /** Epoch of the known primary; null when none is known. */
  readonly epoch: number | null;
  readonly failovers: number;
  readonly faktoryUnexpectedExits: number;
  readonly redisUp: boolean;
  /** Renewals so far, and the most recent latencies (ms), newest last. */
  readonly renewals: number;
  readonly renewLatencyMs: readonly number[];
}

/** What the primary read from its Faktory; `figures` null when it did not answer. */
export interface FaktoryView {
  readonly figures: FaktoryFigures | null;
  /** How long the last INFO read took (ms). */
  readonly readMs: number;
}

export interface MetricsInput {
  readonly lease: LeaseFigures;
  readonly routers: Readonly<Record<string, RouterStats>>;
  /** Present only while this pod is primary. */
  readonly faktory: FaktoryView | null;
}

/** 1 ms .. 5 s: a healthy renew takes a millisecond or two; the default deadline is 4 s. */
export const RENEW_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const ROLES: readonly Role[] = ["primary", "pending", "secondary"];

/** Router counters: metric name, RouterStats field, help. */
const ROUTER_COUNTERS: readonly (readonly [string, keyof RouterStats, string])[] = [
  ["faktory_ha_router_connections_total", "total", "Client connections accepted by the router."],
  ["faktory_ha_router_received_bytes_total", "bytesIn", "Bytes the router read from its clients."],
  ["faktory_ha_router_sent_bytes_total", "bytesOut", "Bytes the router wrote to its clients."],
  [
    "faktory_ha_router_refused_total",
    "refused",
    "Connections closed on arrival: the router had maxConnections open.",
  ],
  [
    "faktory_ha_router_migrated_total",
    "migrated",
    "Idle Faktory connections moved to a new primary without closing them.",
  ],
  [
    "faktory_ha_router_closed_on_change_total",
    "closedOnChange",
    "Connections closed because the primary changed.",
  ],
  [
    "faktory_ha_router_hold_timeouts_total",
    "holdTimeouts",
    "Connections closed because no primary was reachable within the hold time.",
  ],
  [
    "faktory_ha_router_protocol_errors_total",
    "protocolErrors",
    "Connections closed because a reply could not be matched to a command.",
  ],
  [
    "faktory_ha_router_line_too_long_total",
    "lineTooLong",
    "Connections closed for a line longer than the router allows.",
  ],
  [
    "faktory_ha_router_handshake_timeouts_total",
    "handshakeTimeouts",
    "Clients that did not complete their HELLO in time.",
  ],
  [
    "faktory_ha_router_evicted_total",
    "evicted",
    "Connections closed because all together kept too many bytes.",
  ],
];
const ROUTER_GAUGES: readonly (readonly [string, keyof RouterStats, string])[] = [
  ["faktory_ha_router_connections", "active", "Open client connections on the router."],
  ["faktory_ha_router_held_connections", "held", "Connections waiting for a primary."],
  [
    "faktory_ha_router_held_bytes",
    "heldBytes",
    "Client bytes the router keeps: unfinished lines, commands held or awaiting their reply.",
  ],
];

/** A counter whose value is kept elsewhere (the lease worker, the router, Redis): set, not added to. */
function setCounter<L extends string>(
  c: Counter<L>,
  value: number,
  labels?: Partial<Record<L, string>>,
): void {
  // prom-client counters only go up: render() resets them, then the value read elsewhere is added.
  if (labels) c.inc(labels, Math.max(0, value));
  else c.inc(Math.max(0, value));
}

export class SupervisorMetrics {
  /** faktory_ha_*, process_*, nodejs_*: every pod. */
  readonly registry = new Registry();
  /** faktory_up and the read time: the primary only. */
  readonly faktoryUpRegistry = new Registry();
  /** Faktory's figures: the primary only, while its Faktory answers. */
  readonly faktoryRegistry = new Registry();
  private renewalsSeen = 0;

  private readonly role: Gauge<"role">;
  private readonly isPrimary: Gauge;
  private readonly epoch: Gauge;
  private readonly failovers: Counter;
  private readonly unexpectedExits: Counter;
  private readonly redisUp: Gauge;
  private readonly renew: Histogram;
  private readonly routerCounters: (readonly [Counter<"router">, keyof RouterStats])[];
  private readonly routerGauges: (readonly [Gauge<"router">, keyof RouterStats])[];

  private readonly up: Gauge;
  private readonly queueSize: Gauge<"queue">;
  private readonly queueLatency: Gauge<"queue">;
  private readonly queues: Gauge;
  private readonly processed: Counter;
  private readonly failed: Counter;
  private readonly setSize: Gauge<"set">;
  private readonly connections: Gauge;
  private readonly readSeconds: Gauge;

  constructor(opts: { readonly processMetrics?: boolean } = {}) {
    const r = [this.registry];
    const f = [this.faktoryRegistry];
    const fu = [this.faktoryUpRegistry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.role = new Gauge({
      name: "faktory_ha_role",
      help: "1 for the role this supervisor has now (pending: holds the lease, Faktory not started yet).",
      labelNames: ["role"],
      registers: r,
    });
    this.isPrimary = new Gauge({
      name: "faktory_ha_is_primary",
      help: "1 when this supervisor is primary and runs Faktory.",
      registers: r,
    });
    this.epoch = new Gauge({
      name: "faktory_ha_epoch",
      help: "Lease epoch of the known primary (-1 when none is known).",
      registers: r,
    });
    this.failovers = new Counter({
      name: "faktory_ha_failovers_total",
      help: "Times this supervisor became primary.",
      registers: r,
    });
    this.unexpectedExits = new Counter({
      name: "faktory_ha_faktory_unexpected_exits_total",
      help: "Times Faktory exited without being asked while this supervisor was primary; each ended its term.",
      registers: r,
    });
    this.redisUp = new Gauge({
      name: "faktory_ha_redis_up",
      help: "1 when the last lease call to Redis succeeded.",
      registers: r,
    });
    this.renew = new Histogram({
      name: "faktory_ha_lease_renew_seconds",
      help: "Lease renew latency (lease holder only).",
      buckets: RENEW_BUCKETS,
      registers: r,
    });
    this.routerCounters = ROUTER_COUNTERS.map(
      ([name, key, help]) =>
        [new Counter({ name, help, labelNames: ["router"], registers: r }), key] as const,
    );
    this.routerGauges = ROUTER_GAUGES.map(
      ([name, key, help]) => [new Gauge({ name, help, labelNames: ["router"], registers: r }), key] as const,
    );

    this.up = new Gauge({
      name: "faktory_up",
      help: "1 when the primary's Faktory answered its last INFO; only the primary has this series.",
      registers: fu,
    });
    this.queueSize = new Gauge({
      name: "faktory_queue_size",
      help: 'Jobs waiting per queue (the 100 largest queues; the rest summed into queue="_other").',
      labelNames: ["queue"],
      registers: f,
    });
    this.queueLatency = new Gauge({
      name: "faktory_queue_latency_seconds",
      help: "Age of the oldest waiting job per queue (QUEUE LATENCY); _other: the largest of the rest.",
      labelNames: ["queue"],
      registers: f,
    });
    this.queues = new Gauge({ name: "faktory_queues", help: "Queues Faktory knows.", registers: f });
    this.processed = new Counter({
      name: "faktory_jobs_processed_total",
      help: "Jobs acknowledged (Faktory's processed counter in Redis; survives failovers).",
      registers: f,
    });
    this.failed = new Counter({
      name: "faktory_jobs_failed_total",
      help: "Job failures reported (Faktory's failures counter in Redis; survives failovers).",
      registers: f,
    });
    this.setSize = new Gauge({
      name: "faktory_set_size",
      help: "Jobs in Faktory's sorted sets: working (reserved), scheduled, retries, dead.",
      labelNames: ["set"],
      registers: f,
    });
    this.connections = new Gauge({
      name: "faktory_connections",
      help: "Client connections open on Faktory (producers and workers; the INFO reader excluded).",
      registers: f,
    });
    this.readSeconds = new Gauge({
      name: "faktory_ha_faktory_info_read_seconds",
      help: "How long the primary's last INFO + QUEUE LATENCY read took.",
      registers: fu,
    });
  }

  /**
   * Observes each renewal once: the lease worker counts them and sends the latest latencies with every
   * status (each second), so calling this per status keeps the histogram whole whatever the scrape
   * interval. Calling it again with the same figures adds nothing.
   */
  observeRenewals(renewals: number, latencyMs: readonly number[]): void {
    const fresh = Math.min(renewals - this.renewalsSeen, latencyMs.length);
    for (const ms of fresh > 0 ? latencyMs.slice(-fresh) : []) this.renew.observe(ms / 1000);
    this.renewalsSeen = Math.max(this.renewalsSeen, renewals);
  }

  /** Copies the current figures into the metrics and renders them in the text format. */
  async render(m: MetricsInput): Promise<string> {
    const l = m.lease;
    for (const role of ROLES) this.role.set({ role }, l.role === role ? 1 : 0);
    this.isPrimary.set(l.role === "primary" ? 1 : 0);
    this.epoch.set(l.epoch ?? -1);
    this.failovers.reset();
    setCounter(this.failovers, l.failovers);
    this.unexpectedExits.reset();
    setCounter(this.unexpectedExits, l.faktoryUnexpectedExits);
    this.redisUp.set(l.redisUp ? 1 : 0);
    this.observeRenewals(l.renewals, l.renewLatencyMs);

    const routers = Object.entries(m.routers);
    for (const [c, key] of this.routerCounters) {
      c.reset();
      for (const [router, s] of routers) setCounter(c, s[key] as number, { router });
    }
    for (const [g, key] of this.routerGauges) {
      g.reset();
      for (const [router, s] of routers) g.set({ router }, s[key] as number);
    }

    const text = await this.registry.metrics();
    if (!m.faktory) return text;
    const f = m.faktory.figures;
    this.up.set(f ? 1 : 0);
    this.readSeconds.set(m.faktory.readMs / 1000);
    const up = await this.faktoryUpRegistry.metrics();
    // Faktory down: nothing is known but that, so no figure is shown.
    if (!f) return text + up;
    this.fillFaktory(f);
    return text + up + (await this.faktoryRegistry.metrics());
  }

  private fillFaktory(f: FaktoryFigures): void {
    for (const g of [this.queueSize, this.queueLatency, this.setSize]) g.reset();
    this.processed.reset();
    this.failed.reset();
    for (const q of f.queues) {
      this.queueSize.set({ queue: q.queue }, q.size);
      if (q.latencySeconds !== null) this.queueLatency.set({ queue: q.queue }, q.latencySeconds);
    }
    this.queues.set(f.queueCount);
    setCounter(this.processed, f.processed);
    setCounter(this.failed, f.failed);
    for (const [set, n] of Object.entries(f.sets)) this.setSize.set({ set }, n);
    this.connections.set(f.connections);
  }
}
