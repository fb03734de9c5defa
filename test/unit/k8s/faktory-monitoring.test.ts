// The Faktory component's monitoring children on mocks: scrape annotations by default, and the
// PodMonitor, PrometheusRule and dashboard ConfigMap only when asked for.
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { setupMocks, unwrapSecrets, valueOf, type RecordedResource } from "../../support/pulumi-mocks";
import { Faktory, validateKubernetesObject, type FaktoryArgs } from "../../../components/k8s";
import { ALERT_NAMES } from "../../../components/k8s/monitoring/alerts";

const runtime = setupMocks();

const T = {
  component: "faktory-ha:k8s:Faktory",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  configMap: "kubernetes:core/v1:ConfigMap",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
};
const LICENSE = "license-ABCDEF-0123456789";
const REDIS_URL = "rediss://:redis-token-0123456789abcdef@master.redis.example.internal:6379";
const base: FaktoryArgs = {
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:1.9.4",
  redisUrl: pulumi.secret(REDIS_URL),
  license: pulumi.secret(LICENSE),
  vpcCidrs: ["10.0.0.0/16"],
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const plain = (r: RecordedResource): Any => unwrapSecrets(r.inputs);
const childrenOf = (name: string) => runtime.resources.filter((r) => r.parentName === name);
const monitoringChildren = (name: string) =>
  childrenOf(name)
    .filter((r) => r.type.includes("monitoring.coreos.com") || r.name.endsWith("-dashboard"))
    .map((r) => `${r.type} ${r.name}`)
    .sort();

async function settle(f: Faktory): Promise<void> {
  await Promise.all([valueOf(f.urn), valueOf(f.inClusterUrl), valueOf(f.loadBalancerServiceName)]);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const podTemplateAnnotations = (name: string) =>
  plain(runtime.one(T.statefulSet, `${name}-statefulset`)).spec.template.metadata.annotations;

describe("Faktory monitoring", () => {
  let provider: k8s.Provider;
  beforeAll(() => {
    provider = new k8s.Provider("monitoring-k8s", { kubeconfig: "{}" });
  });

  it("by default: scrape annotations on the pods, no custom resources, no dashboard", async () => {
    const f = new Faktory("plain", base, { provider });
    await settle(f);
    expect(podTemplateAnnotations("plain")).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "7421",
      "prometheus.io/path": "/metrics",
    });
    expect(monitoringChildren("plain")).toEqual([]);
    expect(await valueOf(f.loadBalancerServiceName)).toBe("faktory-nlb");
  });

  it("all enabled: one PodMonitor, one PrometheusRule, one dashboard ConfigMap, and no annotations", async () => {
    const f = new Faktory(
      "obs",
      {
        ...base,
        namespace: "jobs",
        labels: { team: "payments" },
        monitoring: {
          podMonitor: { labels: { release: "kube-prometheus-stack" }, interval: "30s" },
          prometheusRule: { labels: { release: "kube-prometheus-stack" }, queueLatencySeconds: 120 },
          dashboard: { namespace: "grafana" },
        },
      },
      { provider },
    );
    await settle(f);
    expect(monitoringChildren("obs")).toEqual([
      `${T.configMap} obs-dashboard`,
      `${T.podMonitor} obs-pod-monitor`,
      `${T.prometheusRule} obs-prometheus-rule`,
    ]);
    for (const r of childrenOf("obs").filter((c) =>
      monitoringChildren("obs").includes(`${c.type} ${c.name}`),
    )) {
      expect(r.parentType).toBe(T.component);
      expect(r.provider, r.name).toContain("monitoring-k8s");
    }
    expect(podTemplateAnnotations("obs")).toBeUndefined();

    const ownLabels = {
      team: "payments",
      "app.kubernetes.io/name": "faktory",
      "app.kubernetes.io/instance": "obs",
      "app.kubernetes.io/component": "server",
      "app.kubernetes.io/part-of": "faktory-ha",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    const podMonitor = plain(runtime.one(T.podMonitor, "obs-pod-monitor"));
    expect(podMonitor).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: {
        name: "obs",
        namespace: "jobs",
        labels: { release: "kube-prometheus-stack", ...ownLabels },
      },
      spec: {
        selector: {
          matchLabels: {
            "app.kubernetes.io/name": "faktory",
            "app.kubernetes.io/instance": "obs",
            "app.kubernetes.io/component": "server",
          },
        },
        namespaceSelector: { matchNames: ["jobs"] },
        podMetricsEndpoints: [{ port: "health", path: "/metrics", scheme: "http", interval: "30s" }],
      },
    });
    expect(validateKubernetesObject(podMonitor)).toEqual([]);
    // The port the PodMonitor names is the container's health port.
    const container = plain(runtime.one(T.statefulSet, "obs-statefulset")).spec.template.spec.containers[0];
    expect(container.ports).toContainEqual({ name: "health", containerPort: 7421, protocol: "TCP" });

    const rule = plain(runtime.one(T.prometheusRule, "obs-prometheus-rule"));
    expect(rule.metadata).toEqual({
      name: "obs",
      namespace: "jobs",
      labels: { release: "kube-prometheus-stack", ...ownLabels },
    });
    expect(rule.spec.groups).toHaveLength(1);
    expect(rule.spec.groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual([...ALERT_NAMES]);
    const latency = rule.spec.groups[0].rules.find(
      (r: { alert: string }) => r.alert === "FaktoryHAQueueLatencyHigh",
    );
    expect(latency.expr).toBe(
      'max by (queue) (faktory_queue_latency_seconds{namespace="jobs", pod=~"obs-[0-9]+"}) > 120',
    );
    expect(validateKubernetesObject(rule)).toEqual([]);

    const dashboard = plain(runtime.one(T.configMap, "obs-dashboard"));
    expect(dashboard.metadata).toEqual({
      name: "obs-dashboard",
      namespace: "grafana",
      labels: { grafana_dashboard: "1", ...ownLabels },
    });
    expect(Object.keys(dashboard.data)).toEqual(["obs.json"]);
    const json = JSON.parse(dashboard.data["obs.json"]);
    expect(json).toMatchObject({ uid: "obs", title: "Faktory HA (jobs/obs)" });
    expect(dashboard.data["obs.json"]).toContain('namespace=\\"jobs\\", pod=~\\"obs-[0-9]+\\"');
    // Nothing secret reaches the dashboard.
    for (const secret of [LICENSE, REDIS_URL, "redis-token"])
      expect(dashboard.data["obs.json"]).not.toContain(secret);
    expect(validateKubernetesObject(dashboard)).toEqual([]);
  });

  it("keeps the annotations next to a PodMonitor when asked for both", async () => {
    const f = new Faktory(
      "both",
      { ...base, monitoring: { scrapeAnnotations: true, podMonitor: {} } },
      { provider },
    );
    await settle(f);
    expect(podTemplateAnnotations("both")).toMatchObject({ "prometheus.io/scrape": "true" });
    expect(monitoringChildren("both")).toEqual([`${T.podMonitor} both-pod-monitor`]);
  });

  it("oss: no annotations (no /metrics), and custom resources are refused before anything is created", async () => {
    const ossArgs: FaktoryArgs = {
      image: "contribsys/faktory:1.9.4",
      edition: "oss",
      vpcCidrs: ["10.0.0.0/16"],
    };
    const f = new Faktory("solo", ossArgs, { provider });
    await settle(f);
    expect(podTemplateAnnotations("solo")).toBeUndefined();
    expect(() => new Faktory("solo2", { ...ossArgs, monitoring: { dashboard: {} } }, { provider })).toThrow(
      'invalid Faktory args:\n  - monitoring.dashboard is not used with edition "oss"',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(childrenOf("solo2")).toEqual([]);
  });

  it("answered every invoke it made", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
