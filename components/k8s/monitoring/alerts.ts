// Prometheus alert rules for faktory-ha, as plain objects: the PrometheusRule resource
// wraps them, the end-to-end test loads them (as YAML) into a real Prometheus. Pure: no Pulumi, no
// supervisor runtime. Metric names are the supervisor's /metrics (supervisor/README.md, "Metrics").

/** Thresholds and hold times; durations are Prometheus durations ("30s", "5m"). */
export interface AlertThresholds {
  /** FaktoryHANoPrimary: no pod has been primary for this long. */
  readonly noPrimaryFor: string;
  /**
   * FaktoryHAMultiplePrimaries: more than one pod says primary for this long. Pods are scraped at
   * different moments, so a clean handover can look like two primaries for up to one scrape interval.
   */
  readonly multiplePrimariesFor: string;
  /** FaktoryHAFailoverFlapping: this many changes of primary (epochs) … */
  readonly failoverFlappingChanges: number;
  /** … within this window. */
  readonly failoverFlappingWindow: string;
  /** FaktoryHARedisUnreachable: a pod's lease calls to Redis have failed for this long. */
  readonly redisUnreachableFor: string;
  /** FaktoryHAQueueLatencyHigh: a queue's oldest job has waited longer than this (seconds) … */
  readonly queueLatencySeconds: number;
  /** … for this long. */
  readonly queueLatencyFor: string;
  /** FaktoryHADeadSetGrowing: the dead set grew by more than this many jobs … */
  readonly deadSetGrowth: number;
  /** … within this window. */
  readonly deadSetWindow: string;
  /** FaktoryHAFaktoryDown: the primary's Faktory has not answered INFO for this long. */
  readonly faktoryDownFor: string;
}

export const ALERT_DEFAULTS: AlertThresholds = {
  noPrimaryFor: "30s",
  multiplePrimariesFor: "30s",
  failoverFlappingChanges: 3,
  failoverFlappingWindow: "15m",
  redisUnreachableFor: "1m",
  queueLatencySeconds: 300,
  queueLatencyFor: "5m",
  deadSetGrowth: 0,
  deadSetWindow: "30m",
  faktoryDownFor: "1m",
};

export interface AlertRulesArgs {
  /**
   * PromQL label matchers that select exactly one faktory-ha deployment's pods, braces included,
   * e.g. `{namespace="payments",app_kubernetes_io_instance="faktory"}`. The rules sum over all
   * series it selects: two deployments under one selector would look like two primaries.
   */
  readonly selector: string;
  /** @default ALERT_DEFAULTS */
  readonly thresholds?: Partial<AlertThresholds>;
  /**
   * Where the runbook is served; each alert links to `<runbookUrl>#<alert name in lower case>`.
   * @default "supervisor/README.md" (relative: pass the URL of your copy)
   */
  readonly runbookUrl?: string;
  /**
   * Rule group name.
   * @default "faktory-ha"
   */
  readonly groupName?: string;
  /**
   * Evaluation interval of the group (a Prometheus duration).
   * @default undefined (Prometheus's global evaluation_interval)
   */
  readonly interval?: string;
}

export type Severity = "critical" | "warning";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertRule[];
}

export const ALERT_NAMES = [
  "FaktoryHANoPrimary",
  "FaktoryHAMultiplePrimaries",
  "FaktoryHAFailoverFlapping",
  "FaktoryHARedisUnreachable",
  "FaktoryHAQueueLatencyHigh",
  "FaktoryHADeadSetGrowing",
  "FaktoryHAFaktoryDown",
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** The README anchor of an alert's runbook section (GitHub's heading anchor of `### <name>`). */
export function runbookAnchor(alert: AlertName): string {
  return alert.toLowerCase();
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const MATCHERS = /^\{\s*([a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*(,\s*|(?=\})))*\}$/;

/** Checks a selector and returns the matchers inside its braces. */
export function selectorMatchers(selector: string): string {
  const s = selector.trim();
  if (!MATCHERS.test(s)) {
    throw new Error(
      `selector ${JSON.stringify(selector)} is not PromQL label matchers: expected e.g. {namespace="payments",app_kubernetes_io_instance="faktory"}`,
    );
  }
  return s.slice(1, -1).trim().replace(/,\s*$/, "");
}

/** `metric{selector matchers, extra}`. */
export function series(metric: string, matchers: string, extra = ""): string {
  const all = [matchers, extra].filter((m) => m !== "").join(",");
  return `${metric}{${all}}`;
}

function checkThresholds(t: AlertThresholds): void {
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === "string" && !DURATION.test(v)) {
      throw new Error(
        `alert threshold ${k}=${JSON.stringify(v)} is not a Prometheus duration (e.g. "30s", "5m")`,
      );
    }
    if (typeof v === "number" && !(Number.isFinite(v) && v >= 0)) {
      throw new Error(`alert threshold ${k}=${v} must be a number >= 0`);
    }
  }
  if (!Number.isInteger(t.failoverFlappingChanges) || t.failoverFlappingChanges < 1) {
    throw new Error(
      `alert threshold failoverFlappingChanges=${t.failoverFlappingChanges} must be a whole number >= 1`,
    );
  }
}

/** The faktory-ha alert rules for one deployment, as Prometheus rule groups. */
export function faktoryHaAlertRules(args: AlertRulesArgs): RuleGroup[] {
  const m = selectorMatchers(args.selector);
  const t: AlertThresholds = { ...ALERT_DEFAULTS, ...args.thresholds };
  checkThresholds(t);
  if (args.interval !== undefined && !DURATION.test(args.interval)) {
    throw new Error(`rule group interval ${JSON.stringify(args.interval)} is not a Prometheus duration`);
  }
  const doc = args.runbookUrl ?? "supervisor/README.md";
  const rule = (
    alert: AlertName,
    severity: Severity,
    expr: string,
    holdFor: string | undefined,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    ...(holdFor && holdFor !== "0s" ? { for: holdFor } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: `${doc}#${runbookAnchor(alert)}` },
  });
  const isPrimary = series("faktory_ha_is_primary", m);
  const epoch = series("faktory_ha_epoch", m);
  const dead = series("faktory_set_size", m, 'set="dead"');
  const rules: AlertRule[] = [
    rule(
      "FaktoryHANoPrimary",
      "critical",
      // No pod scraped (all down) counts as none: `or vector(0)`.
      `(sum(${isPrimary}) or vector(0)) < 1`,
      t.noPrimaryFor,
      "No Faktory primary",
      `No faktory-ha pod has been primary for ${t.noPrimaryFor}: jobs cannot be pushed or fetched (routers hold connections, then close them).`,
    ),
    rule(
      "FaktoryHAMultiplePrimaries",
      "critical",
      `sum(${isPrimary}) > 1`,
      t.multiplePrimariesFor,
      "More than one Faktory primary",
      `{{ $value }} faktory-ha pods have said they are primary for ${t.multiplePrimariesFor}: two Faktory servers may be working on one Redis.`,
    ),
    rule(
      "FaktoryHAFailoverFlapping",
      "warning",
      // The highest epoch any pod knows; -1 (no primary known) is left out so an outage is not a change.
      `changes((max(${epoch}) >= 0)[${t.failoverFlappingWindow}:]) >= ${t.failoverFlappingChanges}`,
      undefined,
      "Faktory primary keeps changing",
      `The Faktory primary changed {{ $value }} times within ${t.failoverFlappingWindow}: each change holds clients for a moment and cuts commands in flight.`,
    ),
    rule(
      "FaktoryHARedisUnreachable",
      "critical",
      `${series("faktory_ha_redis_up", m)} == 0`,
      t.redisUnreachableFor,
      "faktory-ha pod cannot reach Redis",
      `Pod {{ $labels.pod }} ({{ $labels.instance }}) has failed every lease call to Redis for ${t.redisUnreachableFor}; a primary that cannot renew stops its Faktory.`,
    ),
    rule(
      "FaktoryHAQueueLatencyHigh",
      "warning",
      `max by (queue) (${series("faktory_queue_latency_seconds", m)}) > ${t.queueLatencySeconds}`,
      t.queueLatencyFor,
      "Faktory queue {{ $labels.queue }} is falling behind",
      `The oldest job in queue {{ $labels.queue }} has waited {{ $value | humanizeDuration }} (threshold ${t.queueLatencySeconds} s).`,
    ),
    rule(
      "FaktoryHADeadSetGrowing",
      "warning",
      `(max(${dead}) - max(${dead} offset ${t.deadSetWindow})) > ${t.deadSetGrowth}`,
      undefined,
      "Jobs are dying",
      `Faktory's dead set grew by {{ $value }} jobs within ${t.deadSetWindow}: jobs ran out of retries.`,
    ),
    rule(
      "FaktoryHAFaktoryDown",
      "critical",
      `${series("faktory_up", m)} == 0`,
      t.faktoryDownFor,
      "The primary's Faktory does not answer",
      `Pod {{ $labels.pod }} holds the lease but its Faktory has not answered INFO for ${t.faktoryDownFor}.`,
    ),
  ];
  return [
    {
      name: args.groupName ?? "faktory-ha",
      ...(args.interval !== undefined ? { interval: args.interval } : {}),
      rules,
    },
  ];
}
