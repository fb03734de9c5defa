import { describe, expect, it } from "vitest";
import {
  ALERT_DEFAULTS,
  ALERT_NAMES,
  faktoryHaAlertRules,
  runbookAnchor,
  selectorMatchers,
  type AlertRule,
} from "../../../components/k8s/monitoring/alerts";

const SEL = '{namespace="payments",app_kubernetes_io_instance="faktory"}';
const M = 'namespace="payments",app_kubernetes_io_instance="faktory"';

function byName(rules: readonly AlertRule[]): Record<string, AlertRule> {
  return Object.fromEntries(rules.map((r) => [r.alert, r]));
}

describe("faktoryHaAlertRules", () => {
  const [group] = faktoryHaAlertRules({ selector: SEL });
  const rules = byName(group.rules);

  it("returns one group with the seven alerts, in order", () => {
    expect(faktoryHaAlertRules({ selector: SEL })).toHaveLength(1);
    expect(group.name).toBe("faktory-ha");
    expect(group.interval).toBeUndefined();
    expect(group.rules.map((r) => r.alert)).toEqual([...ALERT_NAMES]);
  });

  it.each<[string, string, string | undefined, string]>([
    ["FaktoryHANoPrimary", `(sum(faktory_ha_is_primary{${M}}) or vector(0)) < 1`, "30s", "critical"],
    ["FaktoryHAMultiplePrimaries", `sum(faktory_ha_is_primary{${M}}) > 1`, "30s", "critical"],
    [
      "FaktoryHAFailoverFlapping",
      `changes((max(faktory_ha_epoch{${M}}) >= 0)[15m:]) >= 3`,
      undefined,
      "warning",
    ],
    ["FaktoryHARedisUnreachable", `faktory_ha_redis_up{${M}} == 0`, "1m", "critical"],
    [
      "FaktoryHAQueueLatencyHigh",
      `max by (queue) (faktory_queue_latency_seconds{${M}}) > 300`,
      "5m",
      "warning",
    ],
    [
      "FaktoryHADeadSetGrowing",
      `(max(faktory_set_size{${M},set="dead"}) - max(faktory_set_size{${M},set="dead"} offset 30m)) > 0`,
      undefined,
      "warning",
    ],
    ["FaktoryHAFaktoryDown", `faktory_up{${M}} == 0`, "1m", "critical"],
  ])("%s: expr, for, severity", (name, expr, holdFor, severity) => {
    const r = rules[name];
    expect(r.expr).toBe(expr);
    expect(r.for).toBe(holdFor);
    expect(r.labels).toEqual({ severity });
  });

  it.each([...ALERT_NAMES])(
    "%s has a summary, a description and a runbook link to its README anchor",
    (name) => {
      const a = rules[name].annotations;
      expect(a.summary.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(20);
      expect(a.runbook_url).toBe(`supervisor/README.md#${name.toLowerCase()}`);
      expect(runbookAnchor(name)).toBe(name.toLowerCase());
    },
  );

  it.each<[string, Parameters<typeof faktoryHaAlertRules>[0], string, string]>([
    [
      "queue latency threshold and hold",
      { selector: SEL, thresholds: { queueLatencySeconds: 42, queueLatencyFor: "2m" } },
      "FaktoryHAQueueLatencyHigh",
      `max by (queue) (faktory_queue_latency_seconds{${M}}) > 42|2m`,
    ],
    [
      "no primary hold",
      { selector: SEL, thresholds: { noPrimaryFor: "2s" } },
      "FaktoryHANoPrimary",
      `(sum(faktory_ha_is_primary{${M}}) or vector(0)) < 1|2s`,
    ],
    [
      "flapping window and count",
      { selector: SEL, thresholds: { failoverFlappingChanges: 5, failoverFlappingWindow: "1h" } },
      "FaktoryHAFailoverFlapping",
      `changes((max(faktory_ha_epoch{${M}}) >= 0)[1h:]) >= 5|`,
    ],
    [
      "a 0s hold is no hold",
      { selector: SEL, thresholds: { faktoryDownFor: "0s" } },
      "FaktoryHAFaktoryDown",
      `faktory_up{${M}} == 0|`,
    ],
    ["empty selector", { selector: "{}" }, "FaktoryHAFaktoryDown", "faktory_up{} == 0|1m"],
    [
      "one matcher, regex",
      { selector: '{ namespace=~"pay.*" }' },
      "FaktoryHARedisUnreachable",
      'faktory_ha_redis_up{namespace=~"pay.*"} == 0|1m',
    ],
  ])("parameterised: %s", (_n, args, name, expected) => {
    const r = byName(faktoryHaAlertRules(args)[0].rules)[name];
    expect(`${r.expr}|${r.for ?? ""}`).toBe(expected);
  });

  it("takes a runbook URL, a group name and an interval", () => {
    const [g] = faktoryHaAlertRules({
      selector: SEL,
      runbookUrl: "https://example.org/faktory-ha/supervisor/README.md",
      groupName: "faktory-ha-payments",
      interval: "30s",
    });
    expect(g.name).toBe("faktory-ha-payments");
    expect(g.interval).toBe("30s");
    expect(g.rules[0].annotations.runbook_url).toBe(
      "https://example.org/faktory-ha/supervisor/README.md#faktoryhanoprimary",
    );
  });

  it.each<[string, Parameters<typeof faktoryHaAlertRules>[0], string]>([
    ["no braces", { selector: 'namespace="x"' }, 'selector "namespace=\\"x\\"" is not PromQL label matchers'],
    ["unquoted value", { selector: "{namespace=x}" }, "is not PromQL label matchers"],
    ["a metric name", { selector: 'up{job="x"}' }, "is not PromQL label matchers"],
    [
      "bad duration",
      { selector: SEL, thresholds: { noPrimaryFor: "30" } },
      'noPrimaryFor="30" is not a Prometheus duration',
    ],
    [
      "negative latency",
      { selector: SEL, thresholds: { queueLatencySeconds: -1 } },
      "queueLatencySeconds=-1 must be a number >= 0",
    ],
    [
      "zero changes",
      { selector: SEL, thresholds: { failoverFlappingChanges: 0 } },
      "failoverFlappingChanges=0 must be a whole number >= 1",
    ],
    [
      "bad interval",
      { selector: SEL, interval: "1 minute" },
      'rule group interval "1 minute" is not a Prometheus duration',
    ],
  ])("rejects %s", (_n, args, message) => {
    expect(() => faktoryHaAlertRules(args)).toThrow(message);
  });

  it("exports its defaults", () => {
    expect(ALERT_DEFAULTS.queueLatencySeconds).toBe(300);
    expect(selectorMatchers(SEL)).toBe(M);
  });
});
