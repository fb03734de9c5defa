// The monitoring defaults, apart from the zod schemas that apply them: this file is re-exported by
// the package, and a public declaration that imports the schema file would pull zod's own types into
// every consumer's type check.

/** Every default of the monitoring settings, in one place. */
export const MONITORING_DEFAULTS = {
  metricsPath: "/metrics",
  /** The container port (named in the pod spec) that serves `/metrics`. */
  metricsPortName: "health",
  podMonitorInterval: "15s",
  dashboardLabels: { grafana_dashboard: "1" } as Readonly<Record<string, string>>,
} as const;
