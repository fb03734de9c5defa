// The Grafana dashboard for faktory-ha, as plain JSON: queues, throughput, latency, the
// primary and its epoch over time, failovers, Redis and the routers. Pure: no Pulumi, no supervisor
// runtime. Its PromQL uses the supervisor's metric names (supervisor/README.md, "Metrics").
import { selectorMatchers, series } from "./alerts";

export interface DashboardArgs {
  /** The same label matchers as the alert rules, e.g. `{namespace="payments",app_kubernetes_io_instance="faktory"}`. */
  readonly selector: string;
  /** @default "Faktory HA" */
  readonly title?: string;
  /** @default "faktory-ha" */
  readonly uid?: string;
  /**
   * The target label naming the pod (prometheus-operator's PodMonitor sets `pod`).
   * @default "pod"
   */
  readonly podLabel?: string;
}

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: { readonly type: "prometheus"; readonly uid: "${datasource}" };
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: "timeseries" | "stat" | "state-timeline";
  readonly title: string;
  readonly description: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource: { readonly type: "prometheus"; readonly uid: "${datasource}" };
  readonly targets: readonly DashboardTarget[];
  readonly fieldConfig: {
    readonly defaults: Record<string, unknown>;
    readonly overrides: readonly unknown[];
  };
  readonly options: Record<string, unknown>;
}

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: "browser";
  readonly schemaVersion: number;
  readonly version: number;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly Record<string, unknown>[] };
  readonly panels: readonly DashboardPanel[];
}

const DS = { type: "prometheus", uid: "${datasource}" } as const;

interface PanelSpec {
  readonly type?: DashboardPanel["type"];
  readonly title: string;
  readonly description: string;
  readonly unit?: string;
  readonly w?: number;
  readonly targets: readonly (readonly [expr: string, legend: string])[];
}

/** The faktory-ha dashboard for one deployment. */
export function faktoryHaDashboard(args: DashboardArgs): GrafanaDashboard {
  const m = selectorMatchers(args.selector);
  const pod = args.podLabel ?? "pod";
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(pod)) {
    throw new Error(`podLabel ${JSON.stringify(pod)} is not a Prometheus label name`);
  }
  const s = (metric: string, extra = "") => series(metric, m, extra);
  const specs: PanelSpec[] = [
    {
      type: "state-timeline",
      title: "Primary",
      description: "Which pod is primary (runs Faktory) over time.",
      w: 12,
      targets: [[`max by (${pod}) (${s("faktory_ha_is_primary")})`, `{{${pod}}}`]],
    },
    {
      title: "Lease epoch",
      description: "Epoch of the known primary; each step up is a new lease term (a failover or a handover).",
      w: 12,
      targets: [[`max(${s("faktory_ha_epoch")})`, "epoch"]],
    },
    {
      title: "Failovers",
      description: "Times a pod became primary, per pod.",
      w: 8,
      targets: [
        [`sum by (${pod}) (increase(${s("faktory_ha_failovers_total")}[$__rate_interval]))`, `{{${pod}}}`],
      ],
    },
    {
      title: "Roles",
      description: "Pods per role: primary, pending (holds the lease, Faktory not started yet), secondary.",
      w: 8,
      targets: [[`sum by (role) (${s("faktory_ha_role")})`, "{{role}}"]],
    },
    {
      title: "Redis and Faktory up",
      description: "Lease calls to Redis succeeding, per pod; the primary's Faktory answering INFO.",
      w: 8,
      targets: [
        [`min by (${pod}) (${s("faktory_ha_redis_up")})`, "redis {{" + pod + "}}"],
        [`max(${s("faktory_up")})`, "faktory"],
      ],
    },
    {
      title: "Queue size",
      description: 'Jobs waiting per queue (the 100 largest; the rest summed into "_other").',
      w: 12,
      targets: [[`max by (queue) (${s("faktory_queue_size")})`, "{{queue}}"]],
    },
    {
      title: "Queue latency",
      description: "Age of the oldest waiting job per queue.",
      unit: "s",
      w: 12,
      targets: [[`max by (queue) (${s("faktory_queue_latency_seconds")})`, "{{queue}}"]],
    },
    {
      title: "Throughput",
      description: "Jobs acknowledged and failed per second (Faktory's counters, read on the primary).",
      unit: "ops",
      w: 12,
      targets: [
        [`sum(rate(${s("faktory_jobs_processed_total")}[$__rate_interval]))`, "processed"],
        [`sum(rate(${s("faktory_jobs_failed_total")}[$__rate_interval]))`, "failed"],
      ],
    },
    {
      title: "Sets",
      description: "Jobs reserved by workers (working), scheduled, waiting for a retry, dead.",
      w: 12,
      targets: [[`max by (set) (${s("faktory_set_size")})`, "{{set}}"]],
    },
    {
      title: "Lease renew latency",
      description: "p50 and p99 of lease renewals on the holder; the deadline fences it.",
      unit: "s",
      w: 12,
      targets: [
        [
          `histogram_quantile(0.5, sum by (le) (rate(${s("faktory_ha_lease_renew_seconds_bucket")}[$__rate_interval])))`,
          "p50",
        ],
        [
          `histogram_quantile(0.99, sum by (le) (rate(${s("faktory_ha_lease_renew_seconds_bucket")}[$__rate_interval])))`,
          "p99",
        ],
      ],
    },
    {
      title: "Router connections",
      description: "Client connections open and held (waiting for a primary), all pods, per router.",
      w: 12,
      targets: [
        [`sum by (router) (${s("faktory_ha_router_connections")})`, "open {{router}}"],
        [`sum by (router) (${s("faktory_ha_router_held_connections")})`, "held {{router}}"],
      ],
    },
    {
      title: "Router closes",
      description: "Connections refused, timed out while held, closed on a change of primary, or moved.",
      unit: "ops",
      w: 24,
      targets: [
        [`sum(rate(${s("faktory_ha_router_refused_total")}[$__rate_interval]))`, "refused"],
        [`sum(rate(${s("faktory_ha_router_hold_timeouts_total")}[$__rate_interval]))`, "hold timeouts"],
        [`sum(rate(${s("faktory_ha_router_closed_on_change_total")}[$__rate_interval]))`, "closed on change"],
        [`sum(rate(${s("faktory_ha_router_migrated_total")}[$__rate_interval]))`, "moved"],
      ],
    },
  ];
  let x = 0;
  let y = 0;
  const panels = specs.map((p, i): DashboardPanel => {
    const w = p.w ?? 12;
    const h = 8;
    if (x + w > 24) {
      x = 0;
      y += h;
    }
    const gridPos = { x, y, w, h };
    x += w;
    return {
      id: i + 1,
      type: p.type ?? "timeseries",
      title: p.title,
      description: p.description,
      gridPos,
      datasource: DS,
      targets: p.targets.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        expr,
        legendFormat,
        datasource: DS,
      })),
      fieldConfig: { defaults: p.unit ? { unit: p.unit } : {}, overrides: [] },
      options: {},
    };
  });
  return {
    uid: args.uid ?? "faktory-ha",
    title: args.title ?? "Faktory HA",
    tags: ["faktory", "faktory-ha"],
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus" }],
    },
    panels,
  };
}

/** Every PromQL expression of a dashboard, for checks. */
export function dashboardExpressions(d: GrafanaDashboard): string[] {
  return d.panels.flatMap((p) => p.targets.map((t) => t.expr));
}
