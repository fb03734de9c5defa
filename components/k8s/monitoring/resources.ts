// Resource wiring for the Faktory component's monitoring objects: a PodMonitor and a PrometheusRule
// (prometheus-operator CRDs, created only when asked for: the CRDs may be absent) and the Grafana
// dashboard ConfigMap. Every object comes from a pure builder (manifests.ts, alerts.ts, dashboard.ts).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { faktoryHaAlertRules } from "./alerts";
import { faktoryHaDashboard } from "./dashboard";
import {
  buildDashboardConfigMap,
  buildPodMonitor,
  buildPrometheusRule,
  MONITORING_API_VERSION,
  seriesSelector,
  type ResolvedMonitoring,
} from "./manifests";

export interface MonitoringResourcesInput {
  /** The component's name: children are `<name>-pod-monitor`, `<name>-prometheus-rule`, `<name>-dashboard`. */
  readonly name: string;
  readonly namespace: pulumi.Output<string>;
  readonly monitoring: ResolvedMonitoring;
  readonly labels: Readonly<Record<string, string>>;
  /** Resources the monitoring objects wait for (the namespace, when the component creates it). */
  readonly dependsOn: pulumi.Resource[];
}

export interface MonitoringResources {
  readonly podMonitor?: k8s.apiextensions.CustomResource;
  readonly prometheusRule?: k8s.apiextensions.CustomResource;
  readonly dashboard?: k8s.core.v1.ConfigMap;
}

type Manifest = Record<string, unknown>;

function customResource(
  resourceName: string,
  kind: "PodMonitor" | "PrometheusRule",
  manifest: pulumi.Output<Manifest>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    resourceName,
    {
      // The same values the builder writes; the SDK needs them as plain strings.
      apiVersion: MONITORING_API_VERSION,
      kind,
      metadata: manifest.apply((m) => m.metadata as k8s.types.input.meta.v1.ObjectMeta),
      spec: manifest.apply((m) => m.spec),
    },
    opts,
  );
}

/** Creates the monitoring objects `monitoring` asks for, as children of `parent`. */
export function createMonitoringResources(
  input: MonitoringResourcesInput,
  parent: pulumi.Resource,
): MonitoringResources {
  const { name, monitoring, labels } = input;
  const opts = { parent, dependsOn: input.dependsOn };
  const object = { name, instance: name, labels };
  // The alerts and the dashboard select this workload's series by namespace and pod name.
  const selector = input.namespace.apply((ns) => `{${seriesSelector(ns, name)}}`);

  const podMonitorSettings = monitoring.podMonitor;
  const podMonitor = podMonitorSettings
    ? customResource(
        `${name}-pod-monitor`,
        "PodMonitor",
        input.namespace.apply((ns) =>
          buildPodMonitor({ ...object, namespace: ns, settings: podMonitorSettings }),
        ),
        opts,
      )
    : undefined;

  const ruleSettings = monitoring.prometheusRule;
  const prometheusRule = ruleSettings
    ? customResource(
        `${name}-prometheus-rule`,
        "PrometheusRule",
        pulumi.all([input.namespace, selector]).apply(([ns, sel]) =>
          buildPrometheusRule({
            ...object,
            namespace: ns,
            settings: ruleSettings,
            groups: faktoryHaAlertRules({
              selector: sel,
              ...(ruleSettings.queueLatencySeconds !== undefined
                ? { thresholds: { queueLatencySeconds: ruleSettings.queueLatencySeconds } }
                : {}),
            }),
          }),
        ),
        opts,
      )
    : undefined;

  const dashboardSettings = monitoring.dashboard;
  let dashboard: k8s.core.v1.ConfigMap | undefined;
  if (dashboardSettings) {
    const manifest = pulumi.all([input.namespace, selector]).apply(([ns, sel]) =>
      buildDashboardConfigMap({
        ...object,
        name: `${name}-dashboard`,
        namespace: dashboardSettings.namespace ?? ns,
        settings: dashboardSettings,
        dashboard: faktoryHaDashboard({ selector: sel, uid: name, title: `Faktory HA (${ns}/${name})` }),
      }),
    );
    dashboard = new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: manifest.apply((m) => m.metadata as k8s.types.input.meta.v1.ObjectMeta),
        data: manifest.apply((m) => m.data as Record<string, string>),
      },
      opts,
    );
  }
  return { podMonitor, prometheusRule, dashboard };
}
