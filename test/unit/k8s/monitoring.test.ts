// The monitoring objects' pure builders and checks, table-driven; each object is validated as the
// offline plan validates it. No Pulumi here.
import { describe, expect, it } from "vitest";
import { validateKubernetesObject } from "../../../components/k8s";
import { faktoryHaAlertRules } from "../../../components/k8s/monitoring/alerts";
import { faktoryHaDashboard } from "../../../components/k8s/monitoring/dashboard";
import {
  buildDashboardConfigMap,
  buildPodMonitor,
  buildPrometheusRule,
  resolveMonitoring,
  scrapeAnnotations,
  seriesSelector,
} from "../../../components/k8s/monitoring/manifests";
import type { MonitoringSettings } from "../../../components/k8s/monitoring/types";

const labels = {
  "app.kubernetes.io/name": "faktory",
  "app.kubernetes.io/instance": "prod",
  "app.kubernetes.io/component": "server",
  "app.kubernetes.io/part-of": "faktory-ha",
  "app.kubernetes.io/managed-by": "pulumi",
};
const selector = `{${seriesSelector("faktory", "prod")}}`;

describe("resolveMonitoring", () => {
  it("scrapes by annotation and creates nothing else by default", () => {
    expect(resolveMonitoring("enterprise")).toEqual({
      monitoring: { scrapeAnnotations: true },
      problems: [],
    });
  });

  it("drops the annotations when a PodMonitor scrapes (unless asked for both), and fills defaults", () => {
    expect(
      resolveMonitoring("enterprise", { podMonitor: {}, prometheusRule: {}, dashboard: {} }).monitoring,
    ).toEqual({
      scrapeAnnotations: false,
      podMonitor: { labels: {}, interval: "15s" },
      prometheusRule: { labels: {} },
      dashboard: { labels: { grafana_dashboard: "1" } },
    });
    expect(
      resolveMonitoring("enterprise", { podMonitor: {}, scrapeAnnotations: true }).monitoring,
    ).toMatchObject({ scrapeAnnotations: true });
  });

  // Settings oss would ignore (every monitoring part) are refused by the edition rule: arg-rules.test.ts.
  it("never annotates an OSS pod (it has no /metrics)", () => {
    expect(resolveMonitoring("oss", { scrapeAnnotations: true })).toEqual({
      monitoring: { scrapeAnnotations: false },
      problems: [],
    });
  });

  it.each([
    [
      "enterprise" as const,
      { podMonitor: { interval: "15" } },
      'monitoring.podMonitor.interval="15" must be a Prometheus duration such as "15s"',
    ],
    [
      "enterprise" as const,
      { prometheusRule: { queueLatencySeconds: 0 } },
      "monitoring.prometheusRule.queueLatencySeconds=0 must be the queue latency (seconds) that raises an alert: an integer from 1 to 86400",
    ],
    [
      "enterprise" as const,
      { dashboard: { namespace: "Grafana" } },
      'monitoring.dashboard.namespace="Grafana" must be a Kubernetes namespace name (lowercase DNS label)',
    ],
    [
      "enterprise" as const,
      { podMonitor: { labels: { "my release": "x" } } },
      'monitoring.podMonitor.labels["my release"]="x" label key "my release" is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)',
    ],
    [
      "enterprise" as const,
      { dashboard: { labels: {} } },
      "monitoring.dashboard.labels must not be empty: the Grafana sidecar finds dashboards by label",
    ],
  ])("%s %j: %s", (edition, given, problem) => {
    expect(resolveMonitoring(edition, given).problems).toEqual([problem]);
  });
});

describe("resolveMonitoring for JavaScript callers", () => {
  // Keys the types refuse: a JavaScript caller (or a computed object) can still pass them.
  const fromJavaScript = (given: object) => resolveMonitoring("enterprise", given as MonitoringSettings);
  it.each([
    [{ podMonitr: {} }, 'monitoring.podMonitr is not a known key; did you mean "podMonitor"?'],
    [
      { podMonitor: { intervall: "15s" } },
      'monitoring.podMonitor.intervall is not a known key; did you mean "interval"?',
    ],
    [
      { grafana: {} },
      "monitoring.grafana is not a known key; known keys are scrapeAnnotations, podMonitor, prometheusRule, dashboard",
    ],
  ])("%j: %s", (given, problem) => {
    expect(fromJavaScript(given).problems).toEqual([problem]);
  });
});

describe("monitoring objects", () => {
  it("pod annotations point at the health port's /metrics", () => {
    expect(scrapeAnnotations(true)).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "7421",
      "prometheus.io/path": "/metrics",
    });
    expect(scrapeAnnotations(false)).toEqual({});
  });

  it("the series selector is accepted by the alert and dashboard builders", () => {
    expect(selector).toBe('{namespace="faktory", pod=~"prod-[0-9]+"}');
    expect(faktoryHaAlertRules({ selector })[0].rules[0].expr).toContain(
      'faktory_ha_is_primary{namespace="faktory", pod=~"prod-[0-9]+"}',
    );
  });

  it("PodMonitor: this workload's pods, health port, /metrics", () => {
    const podMonitor = buildPodMonitor({
      name: "prod",
      namespace: "faktory",
      instance: "prod",
      settings: { labels: { release: "kube-prometheus-stack" }, interval: "30s" },
    });
    expect(podMonitor).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: {
        name: "prod",
        namespace: "faktory",
        labels: { release: "kube-prometheus-stack", ...labels },
      },
      spec: {
        selector: {
          matchLabels: {
            "app.kubernetes.io/name": "faktory",
            "app.kubernetes.io/instance": "prod",
            "app.kubernetes.io/component": "server",
          },
        },
        namespaceSelector: { matchNames: ["faktory"] },
        podMetricsEndpoints: [{ port: "health", path: "/metrics", scheme: "http", interval: "30s" }],
      },
    });
    expect(validateKubernetesObject(podMonitor)).toEqual([]);
  });

  it("PrometheusRule: the alert builder's groups, with the given queue latency", () => {
    const groups = faktoryHaAlertRules({ selector, thresholds: { queueLatencySeconds: 120 } });
    const rule = buildPrometheusRule({
      name: "prod",
      namespace: "faktory",
      instance: "prod",
      settings: { labels: { release: "kube-prometheus-stack" }, queueLatencySeconds: 120 },
      groups,
    });
    expect(rule).toMatchObject({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: {
        name: "prod",
        namespace: "faktory",
        labels: { release: "kube-prometheus-stack", ...labels },
      },
      spec: { groups },
    });
    expect(JSON.stringify(rule)).toContain("> 120");
    expect(validateKubernetesObject(rule)).toEqual([]);
  });

  it("dashboard ConfigMap: the sidecar label and one JSON file", () => {
    const dashboard = faktoryHaDashboard({ selector, uid: "prod" });
    const configMap = buildDashboardConfigMap({
      name: "prod-dashboard",
      namespace: "grafana",
      instance: "prod",
      settings: { labels: { grafana_dashboard: "1" } },
      dashboard,
    });
    expect(configMap).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "prod-dashboard",
        namespace: "grafana",
        labels: { grafana_dashboard: "1", ...labels },
      },
      data: { "prod.json": JSON.stringify(dashboard, null, 2) },
    });
    expect(validateKubernetesObject(configMap)).toEqual([]);
  });
});

describe("custom resource checks", () => {
  const podMonitor = () =>
    buildPodMonitor({
      name: "prod",
      namespace: "faktory",
      instance: "prod",
      settings: { labels: {}, interval: "15s" },
    });
  const rule = () =>
    buildPrometheusRule({
      name: "prod",
      namespace: "faktory",
      instance: "prod",
      settings: { labels: {} },
      groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "1m" }] }],
    });
  type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- probed by path

  it.each([
    [
      "a PodMonitor without a selector",
      () => {
        const o: Any = podMonitor();
        delete o.spec.selector;
        return o;
      },
      ["monitoring.coreos.com/v1/PodMonitor /spec/selector: is required (a label selector)"],
    ],
    [
      "a PodMonitor with a bad interval and scheme",
      () => {
        const o: Any = podMonitor();
        o.spec.podMetricsEndpoints[0].interval = "15 seconds";
        o.spec.podMetricsEndpoints[0].scheme = "tcp";
        return o;
      },
      [
        'monitoring.coreos.com/v1/PodMonitor /spec/podMetricsEndpoints/0/scheme: must be "http" or "https"',
        "monitoring.coreos.com/v1/PodMonitor /spec/podMetricsEndpoints/0/interval: must be a Prometheus duration",
      ],
    ],
    [
      "a rule with both alert and record, and no expr",
      () => {
        const o: Any = rule();
        o.spec.groups[0].rules[0] = { alert: "A", record: "r" };
        return o;
      },
      [
        "monitoring.coreos.com/v1/PrometheusRule /spec/groups/0/rules/0: must have exactly one of alert and record",
        "monitoring.coreos.com/v1/PrometheusRule /spec/groups/0/rules/0/expr: is required (a PromQL expression)",
      ],
    ],
    [
      "two groups of one name",
      () => {
        const o: Any = rule();
        o.spec.groups.push({ ...o.spec.groups[0] });
        return o;
      },
      ['monitoring.coreos.com/v1/PrometheusRule /spec/groups/1/name: must be unique ("g" repeats)'],
    ],
    [
      "a rule with a non-string label",
      () => {
        const o: Any = rule();
        o.spec.groups[0].rules[0].labels = { severity: 1 };
        return o;
      },
      ["monitoring.coreos.com/v1/PrometheusRule /spec/groups/0/rules/0/labels: must map names to strings"],
    ],
  ])("reports %s", (_label, make, errors) => {
    expect(validateKubernetesObject(make())).toEqual(errors);
  });
});
