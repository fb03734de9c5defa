// The monitoring args' rules and defaults as zod schemas: the component parses `monitoring` with them
// and the stack config composes them (adding an `enabled` flag to each part).
import { z } from "zod";
import { int, labelMap, namespaceSchema } from "../args-schema";

/** Every default of the monitoring settings, in one place. */
export const MONITORING_DEFAULTS = {
  metricsPath: "/metrics",
  /** The container port (named in the pod spec) that serves `/metrics`. */
  metricsPortName: "health",
  podMonitorInterval: "15s",
  dashboardLabels: { grafana_dashboard: "1" } as Readonly<Record<string, string>>,
} as const;

const DURATION = /^(\d+(ms|s|m|h))+$/;

export const podMonitorShape = {
  labels: labelMap.default({}),
  interval: z
    .string()
    .regex(DURATION, { message: 'must be a Prometheus duration such as "15s"' })
    .default(MONITORING_DEFAULTS.podMonitorInterval),
};
export const prometheusRuleShape = {
  labels: labelMap.default({}),
  queueLatencySeconds: int("the queue latency (seconds) that raises an alert", 1, 86400).optional(),
};
export const dashboardShape = {
  labels: labelMap
    .refine((labels) => Object.keys(labels).length > 0, {
      message: "must not be empty: the Grafana sidecar finds dashboards by label",
    })
    .default({ ...MONITORING_DEFAULTS.dashboardLabels }),
  namespace: namespaceSchema.optional(),
};

export const monitoringSchema = z
  .object({
    scrapeAnnotations: z.boolean({ message: "must be true or false" }).optional(),
    podMonitor: z.object(podMonitorShape).strict().optional(),
    prometheusRule: z.object(prometheusRuleShape).strict().optional(),
    dashboard: z.object(dashboardShape).strict().optional(),
  })
  .strict();
