// The monitoring args' rules and defaults as zod schemas: the component parses `monitoring` with them
// and the stack config composes them (adding an `enabled` flag to each part).
import { z } from "zod";
import { int, labelMap, namespaceSchema } from "../args-schema";
import { MONITORING_DEFAULTS } from "./defaults";
import type { MonitoringSettings } from "./types";

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

/** The component's `monitoring` arg (the stack config's `monitoringSchema` adds `enabled` flags). */
export const monitoringArgsSchema = z
  .object({
    scrapeAnnotations: z.boolean({ message: "must be true or false" }).optional(),
    podMonitor: z.object(podMonitorShape).strict().optional(),
    prometheusRule: z.object(prometheusRuleShape).strict().optional(),
    dashboard: z.object(dashboardShape).strict().optional(),
  })
  .strict();

// The public `MonitoringSettings` is a plain interface (the package's declarations must not name
// zod); this fails to compile when the schema and the interface stop accepting the same input: each
// assignable to the other, with the same keys at every level (an optional key missing on one side
// would otherwise pass).
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type SameShape<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? SameKeys<A, B> extends true
      ? false extends {
          [K in keyof A & keyof B]: NonNullable<A[K]> extends object
            ? SameShape<NonNullable<A[K]>, NonNullable<B[K]>>
            : true;
        }[keyof A & keyof B]
        ? false
        : true
      : false
    : false
  : false;
const schemaMatchesSettings: SameShape<z.input<typeof monitoringArgsSchema>, MonitoringSettings> = true;
void schemaMatchesSettings;
