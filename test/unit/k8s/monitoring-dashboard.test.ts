import { describe, expect, it } from "vitest";
import { faktoryHaAlertRules } from "../../../components/k8s/monitoring/alerts";
import { dashboardExpressions, faktoryHaDashboard } from "../../../components/k8s/monitoring/dashboard";
import { faktoryFigures } from "../../../supervisor/src/faktory-info";
import { SupervisorMetrics } from "../../../supervisor/src/metrics";
import { emptyRouterStats } from "../../../supervisor/src/router";

const SEL = '{namespace="payments",app_kubernetes_io_instance="faktory"}';
const M = 'namespace="payments",app_kubernetes_io_instance="faktory"';

/** Every metric name a primary exposes, from the supervisor's real /metrics renderer. */
async function exposedNames(): Promise<Set<string>> {
  const stats = emptyRouterStats();
  const figures = faktoryFigures(
    {
      faktory: {
        queues: { default: 1 },
        sets: {},
        total_processed: 0,
        total_failures: 0,
        total_enqueued: 1,
        total_queues: 1,
      },
      server: { connections: 1 },
    },
    { default: 1 },
  );
  const text = await new SupervisorMetrics({ processMetrics: false }).render({
    lease: {
      role: "primary",
      epoch: 1,
      failovers: 1,
      faktoryUnexpectedExits: 0,
      redisUp: true,
      renewals: 1,
      renewLatencyMs: [1],
    },
    routers: { faktory: stats },
    faktory: { figures, readMs: 1 },
  });
  return new Set(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(/[{ ]/)[0]),
  );
}

/** Metric names in a PromQL expression: identifiers followed by a label selector. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((x) => x[1]);
}

describe("faktoryHaDashboard", () => {
  const d = faktoryHaDashboard({ selector: SEL });

  it.each<[string, RegExp]>([
    ["Primary", /^max by \(pod\) \(faktory_ha_is_primary\{/],
    ["Lease epoch", /^max\(faktory_ha_epoch\{/],
    ["Failovers", /increase\(faktory_ha_failovers_total\{.*\}\[\$__rate_interval\]\)/],
    ["Queue size", /^max by \(queue\) \(faktory_queue_size\{/],
    ["Queue latency", /^max by \(queue\) \(faktory_queue_latency_seconds\{/],
    ["Throughput", /rate\(faktory_jobs_processed_total\{/],
    ["Sets", /faktory_set_size\{/],
    [
      "Lease renew latency",
      /histogram_quantile\(0\.99, sum by \(le\) \(rate\(faktory_ha_lease_renew_seconds_bucket\{/,
    ],
    ["Router connections", /faktory_ha_router_connections\{/],
  ])("has a %s panel", (title, expr) => {
    const p = d.panels.find((x) => x.title === title);
    expect(p, title).toBeDefined();
    expect(p!.targets.some((t) => expr.test(t.expr))).toBe(true);
  });

  it("selects with the given matchers in every expression", () => {
    const exprs = dashboardExpressions(d);
    expect(exprs.length).toBeGreaterThan(12);
    for (const e of exprs) {
      const selectors = [...e.matchAll(/[a-z_:][a-z0-9_:]*\{([^}]*)\}/g)].map((x) => x[1]);
      expect(selectors.length, e).toBeGreaterThan(0);
      for (const sel of selectors) expect(sel.startsWith(M), e).toBe(true);
    }
  });

  it("lays panels out on a 24-column grid without overlap, with unique ids", () => {
    const cells = new Set<string>();
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const k = `${x},${y}`;
          expect(cells.has(k), `${p.title} overlaps at ${k}`).toBe(false);
          cells.add(k);
        }
      }
    }
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
  });

  it.each<
    [
      string,
      Parameters<typeof faktoryHaDashboard>[0],
      (x: ReturnType<typeof faktoryHaDashboard>) => unknown,
      unknown,
    ]
  >([
    ["default title and uid", { selector: SEL }, (x) => [x.title, x.uid], ["Faktory HA", "faktory-ha"]],
    [
      "title and uid",
      { selector: SEL, title: "Payments", uid: "pay" },
      (x) => [x.title, x.uid],
      ["Payments", "pay"],
    ],
    [
      "pod label",
      { selector: SEL, podLabel: "instance" },
      (x) => x.panels[0].targets[0].legendFormat,
      "{{instance}}",
    ],
    [
      "datasource variable",
      { selector: SEL },
      (x) => x.templating.list[0],
      expect.objectContaining({ name: "datasource", type: "datasource" }),
    ],
  ])("%s", (_n, args, pick, expected) => {
    expect(pick(faktoryHaDashboard(args))).toEqual(expected);
  });

  it.each([
    [{ selector: "namespace" }, "is not PromQL label matchers"],
    [{ selector: SEL, podLabel: "pod-name" }, 'podLabel "pod-name" is not a Prometheus label name'],
  ])("rejects %j", (args, message) => {
    expect(() => faktoryHaDashboard(args)).toThrow(message);
  });

  it("is JSON (a ConfigMap value)", () => {
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe("metric names: dashboard and alerts use only what the supervisor exposes", () => {
  it("every metric in an expression is on a primary's /metrics", async () => {
    const names = await exposedNames();
    const exprs = [
      ...dashboardExpressions(faktoryHaDashboard({ selector: SEL })),
      ...faktoryHaAlertRules({ selector: SEL })[0].rules.map((r) => r.expr),
    ];
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    for (const n of used) expect(names, n).toContain(n);
  });
});
