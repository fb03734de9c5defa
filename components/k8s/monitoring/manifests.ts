// Pure builders and up-front checks for the monitoring objects: pod scrape annotations, PodMonitor,
// PrometheusRule and the Grafana dashboard ConfigMap. The rule groups and the dashboard JSON come
// from their own builders (alerts.ts, dashboard.ts); this file only wraps them in Kubernetes objects.
import { PORTS } from "../constants";
import { commonLabels, selectorLabels } from "../labels";
import type { FaktoryEdition } from "../types";
import type { MonitoringSettings } from "./types";
import { parseArg } from "../../arg-schema";
import { monitoringArgsSchema } from "./args-schema";
import { MONITORING_DEFAULTS } from "./defaults";

export { MONITORING_DEFAULTS } from "./defaults";

export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

export interface ResolvedMonitoring {
  readonly scrapeAnnotations: boolean;
  readonly podMonitor?: { readonly labels: Readonly<Record<string, string>>; readonly interval: string };
  readonly prometheusRule?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly queueLatencySeconds?: number;
  };
  readonly dashboard?: { readonly labels: Readonly<Record<string, string>>; readonly namespace?: string };
}

/**
 * Applies the defaults and checks the plain settings.
 * @returns the resolved settings and the problems, each naming `monitoring.<arg>`.
 */
export function resolveMonitoring(
  edition: FaktoryEdition,
  given: MonitoringSettings = {},
): { monitoring: ResolvedMonitoring; problems: string[] } {
  // Settings oss would ignore are refused by the edition rule (arg-rules.ts), not here.
  const parsed = parseArg("monitoring", monitoringArgsSchema, given);
  if (!parsed.ok) return { monitoring: { scrapeAnnotations: false }, problems: parsed.problems };
  const { scrapeAnnotations, podMonitor, prometheusRule, dashboard } = parsed.value;
  const monitoring: ResolvedMonitoring = {
    // Open-source Faktory has no /metrics: never point a scraper at it.
    scrapeAnnotations: edition === "enterprise" && (scrapeAnnotations ?? podMonitor === undefined),
    ...(podMonitor ? { podMonitor } : {}),
    ...(prometheusRule ? { prometheusRule } : {}),
    ...(dashboard ? { dashboard } : {}),
  };
  return { monitoring, problems: [] };
}

/** The pod annotations for annotation-based Prometheus discovery (empty when off). */
export function scrapeAnnotations(enabled: boolean): Record<string, string> {
  if (!enabled) return {};
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(PORTS.health),
    "prometheus.io/path": MONITORING_DEFAULTS.metricsPath,
  };
}

/**
 * The PromQL label matchers that select this workload's series whichever way it is scraped (the
 * PodMonitor and the usual annotation-discovery configs both set `namespace` and `pod`): the
 * StatefulSet's pods are `<instance>-<ordinal>`.
 */
export function seriesSelector(namespace: string, instance: string): string {
  return `namespace="${namespace}", pod=~"${instance}-[0-9]+"`;
}

interface ObjectInput {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly labels?: Readonly<Record<string, string>>;
}

function metadata(input: ObjectInput, extra: Readonly<Record<string, string>>) {
  return {
    name: input.name,
    namespace: input.namespace,
    // Extra labels first: a selector label (`podMonitorSelector`, the sidecar's) may not override ours.
    labels: { ...extra, ...commonLabels({ instance: input.instance }, input.labels) },
  };
}

export function buildPodMonitor(
  input: ObjectInput & { readonly settings: NonNullable<ResolvedMonitoring["podMonitor"]> },
): Record<string, unknown> {
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: "PodMonitor",
    metadata: metadata(input, input.settings.labels),
    spec: {
      selector: { matchLabels: selectorLabels({ instance: input.instance }) },
      namespaceSelector: { matchNames: [input.namespace] },
      podMetricsEndpoints: [
        {
          port: MONITORING_DEFAULTS.metricsPortName,
          path: MONITORING_DEFAULTS.metricsPath,
          scheme: "http",
          interval: input.settings.interval,
        },
      ],
    },
  };
}

export function buildPrometheusRule(
  input: ObjectInput & {
    readonly settings: NonNullable<ResolvedMonitoring["prometheusRule"]>;
    readonly groups: readonly object[];
  },
): Record<string, unknown> {
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: "PrometheusRule",
    metadata: metadata(input, input.settings.labels),
    spec: { groups: input.groups.map((g) => ({ ...g })) },
  };
}

/** The dashboard ConfigMap: one `<instance>.json` key, the sidecar's labels. No secrets in a dashboard. */
export function buildDashboardConfigMap(
  input: ObjectInput & {
    readonly settings: NonNullable<ResolvedMonitoring["dashboard"]>;
    readonly dashboard: object;
  },
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(input, input.settings.labels),
    data: { [`${input.instance}.json`]: JSON.stringify(input.dashboard, null, 2) },
  };
}
