// Monitoring settings of the Faktory component. Every metric comes from the supervisor's
// `/metrics` on the health port of each pod (the primary adds Faktory's own figures), so all of this
// needs the enterprise edition: open-source Faktory alone has no metrics endpoint.

/** A prometheus-operator PodMonitor scraping every pod's `/metrics` on the health port. */
export interface PodMonitorSettings {
  /**
   * Labels on the PodMonitor, for the Prometheus `podMonitorSelector`, e.g.
   * `{ release: "kube-prometheus-stack" }`.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Scrape interval (a Prometheus duration).
   * @default "15s"
   */
  readonly interval?: string;
}

/** A prometheus-operator PrometheusRule with the faktory-ha alerts. */
export interface PrometheusRuleSettings {
  /**
   * Labels on the PrometheusRule, for the Prometheus `ruleSelector`.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Alert when a queue's oldest job has waited longer than this, in seconds.
   * @default the alert builder's default (`ALERT_DEFAULTS.queueLatencySeconds`)
   */
  readonly queueLatencySeconds?: number;
}

/** A ConfigMap holding the Grafana dashboard, picked up by Grafana's dashboard sidecar. */
export interface DashboardSettings {
  /**
   * Labels the sidecar watches for.
   * @default { grafana_dashboard: "1" } (the Grafana Helm chart's default)
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Namespace of the ConfigMap, when the sidecar watches one namespace only.
   * @default the Faktory namespace
   */
  readonly namespace?: string;
}

export interface MonitoringSettings {
  /**
   * `prometheus.io/scrape: "true"`, `prometheus.io/port: "7421"` and `prometheus.io/path: "/metrics"`
   * on the pods, for a Prometheus that discovers pods by annotation. With a PodMonitor too, a
   * Prometheus that honours both scrapes every pod twice, and the alert rules (which sum
   * `faktory_ha_is_primary` over this workload's series) would then see two primaries.
   * @default true without `podMonitor`, false with it (one scrape per pod, not two)
   */
  readonly scrapeAnnotations?: boolean;
  /**
   * Create a PodMonitor (`monitoring.coreos.com/v1`). Off by default: the CRD may be absent.
   * @default undefined (none)
   */
  readonly podMonitor?: PodMonitorSettings;
  /**
   * Create a PrometheusRule (`monitoring.coreos.com/v1`) with the alerts. Off by default: the CRD
   * may be absent.
   * @default undefined (none)
   */
  readonly prometheusRule?: PrometheusRuleSettings;
  /**
   * Create a ConfigMap with the Grafana dashboard.
   * @default undefined (none)
   */
  readonly dashboard?: DashboardSettings;
}
