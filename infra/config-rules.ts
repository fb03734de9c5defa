// Rules that relate several keys. Each returns problems in the same shape as schema errors.
import {
  LEASE_DEFAULTS,
  leaseDatabaseProblem,
  redisUrlDatabase,
  leaseTimingProblems,
  redisUrlProblem,
} from "../components/contract/supervisor";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import {
  editionIgnoresProblems,
  existingSecretConflictProblems,
  licenseRequiredProblem,
  ossStandbysProblem,
  type ArgNamer,
  type RuleArg,
  type RuleProblem,
} from "../components/k8s/arg-rules";
import {
  alarmTopicProblems,
  engineVersionProblems,
  nodeSizeProblems,
  restoreSourceProblems,
} from "../components/aws/cross-arg-rules";
import { describeValue, NAMESPACE, type ConfigProblem } from "./config-problem";
import type { StackConfig } from "./stack-config";

const k = (key: string) => `${NAMESPACE}:${key}`;

/** The stack keys of the component args the shared rules name (the others keep their names). */
const STACK_KEYS: Partial<Record<RuleArg, string>> = {
  redisUrl: "redis.existingUrl",
  cron: "cronFile",
  "monitoring.podMonitor": "monitoring.podMonitor.enabled",
  "monitoring.prometheusRule": "monitoring.prometheusRule.enabled",
  "monitoring.dashboard": "monitoring.dashboard.enabled",
};
const stackName: ArgNamer = (arg) => k(STACK_KEYS[arg] ?? arg);

function toConfigProblem(problem: RuleProblem): ConfigProblem {
  const { received } = problem;
  return {
    key: problem.key,
    received:
      received === "secret"
        ? "a secret value (not shown)"
        : received === "nothing"
          ? "nothing"
          : describeValue(received.value),
    allowed: problem.rule,
  };
}

/** The component's cross-argument rules (components/k8s/arg-rules.ts), with the stack's key names. */
function componentRuleProblems(
  config: StackConfig,
  given: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
  const { edition, secrets, existingSecret, monitoring } = config;
  const shown = (value: unknown): RuleProblem["received"] => (value === undefined ? "nothing" : { value });
  const on = (enabled: boolean | undefined): RuleProblem["received"] =>
    enabled === true ? { value: true } : "nothing";
  const problems = [
    ossStandbysProblem(edition, config.secondaries, stackName),
    licenseRequiredProblem(
      edition,
      secrets.license === undefined ? "missing" : "given",
      existingSecret,
      stackName,
    ),
    ...editionIgnoresProblems(
      edition,
      {
        redisUrl: "existingUrl" in config.redis ? "secret" : "nothing",
        license: secrets.license === undefined ? "nothing" : "secret",
        cron: shown(config.cronFile),
        statsd: shown(config.statsd),
        lease: shown(given.lease),
        tls: shown(given.tls),
        scalerNamespaces: shown(config.scalerNamespaces),
        "monitoring.scrapeAnnotations": on(monitoring.scrapeAnnotations),
        "monitoring.podMonitor": on(monitoring.podMonitor.enabled),
        "monitoring.prometheusRule": on(monitoring.prometheusRule.enabled),
        "monitoring.dashboard": on(monitoring.dashboard.enabled),
      },
      stackName,
    ),
    ...existingSecretConflictProblems(
      existingSecret,
      { password: secrets.password !== undefined, license: secrets.license !== undefined },
      stackName,
    ),
  ];
  return problems.filter((p) => p !== undefined).map(toConfigProblem);
}

export function crossKeyProblems(
  config: StackConfig,
  given: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { edition, environment, secrets, redis } = config;
  const existingRedis = "existingUrl" in redis;

  problems.push(...componentRuleProblems(config, given));
  // The ElastiCache keys (stack-only: the component takes a Redis URL), worded as the component's
  // edition rule: oss runs its own Redis, so they would be dropped without a word.
  if (edition === "oss" && given.redis !== undefined) {
    problems.push({
      key: k("redis"),
      received: describeValue(given.redis),
      allowed: `is not used with ${k("edition")} "oss" (it runs its own Redis; no ElastiCache is created): remove it or set ${k("edition")} to "enterprise"`,
    });
  }
  // The Redis component's rules, with the stack's key names (the node range is in the schema).
  if (!existingRedis) {
    const redisKeys = { engine: "redis.engine", engineVersion: "redis.engineVersion" } as const;
    for (const p of engineVersionProblems(redis, (key) => k(redisKeys[key]))) {
      problems.push({ key: p.key, received: describeValue(redis.engineVersion), allowed: p.rule });
    }
    const restoreKeys = {
      snapshotName: "redis.restoreFromSnapshot",
      rdbArns: "redis.restoreFromRdb",
    } as const;
    const restore = {
      snapshotName: redis.restoreFromSnapshot !== undefined,
      rdbArns: redis.restoreFromRdb !== undefined,
    };
    for (const p of restoreSourceProblems(restore, (key) => k(restoreKeys[key]))) {
      problems.push({ key: p.key, received: describeValue(redis.restoreFromRdb), allowed: p.rule });
    }
  }
  if (edition === "enterprise" && config.image === undefined && config.faktoryImage === undefined) {
    problems.push({
      key: k("faktoryImage"),
      received: "nothing",
      allowed: `set ${k("faktoryImage")} (the Faktory Enterprise image to build the HA image from) or ${k("image")} (a prebuilt HA image)`,
    });
  }
  if (edition === "oss" && config.faktoryImage === undefined) {
    problems.push({
      key: k("faktoryImage"),
      received: "nothing",
      allowed: 'is required with edition "oss": the Faktory image to run, e.g. contribsys/faktory:1.9.4',
    });
  }
  if (edition === "oss" && config.image !== undefined) {
    problems.push({
      key: k("image"),
      received: describeValue(config.image),
      allowed:
        'is the prebuilt HA (supervisor) image, used only with edition "enterprise"; with "oss" set faktoryImage',
    });
  }
  if ((config.registry === undefined) !== (secrets.registryPassword === undefined)) {
    const missing = config.registry === undefined ? "registry" : "registryPassword";
    problems.push({
      key: k(missing),
      received: "nothing",
      allowed: `${k("registry")} ({ server, username }) and ${k("registryPassword")} (secret) go together: set both or neither`,
    });
  }
  if (secrets.kubeconfig !== undefined && given.cluster !== undefined) {
    problems.push({
      key: k("cluster"),
      received: describeValue(given.cluster),
      allowed: `must not be set together with ${k("kubeconfig")}: use an existing cluster or create one, not both`,
    });
  }
  if (
    edition === "enterprise" &&
    secrets.kubeconfig !== undefined &&
    !existingRedis &&
    redis.sourceSecurityGroupIds === undefined
  ) {
    problems.push({
      key: k("redis.sourceSecurityGroupIds"),
      received: "nothing",
      allowed: `is required with ${k("kubeconfig")} (an existing cluster): the security groups of the nodes or pods that may reach Redis on 6379`,
    });
  }
  if (config.cluster !== undefined) {
    const { minNodes, desiredNodes, maxNodes } = config.cluster;
    const nodeKeys = { min: "minNodes", desired: "desiredNodes", max: "maxNodes" } as const;
    for (const message of nodeSizeProblems({ min: minNodes, desired: desiredNodes, max: maxNodes }, (key) =>
      k(`cluster.${nodeKeys[key]}`),
    )) {
      problems.push({
        key: k("cluster"),
        received: `minNodes ${minNodes}, desiredNodes ${desiredNodes}, maxNodes ${maxNodes}`,
        allowed: message,
      });
    }
    const pods = 1 + config.secondaries;
    if (environment === "prod" && minNodes < Math.min(pods, 2)) {
      problems.push({
        key: k("cluster.minNodes"),
        received: String(minNodes),
        allowed: `must be at least ${Math.min(pods, 2)} in prod so the Faktory pods can spread over nodes`,
      });
    }
  }
  const { alarms } = config;
  if (existingRedis && alarms.enabled) {
    problems.push({
      key: k("alarms.enabled"),
      received: "true",
      allowed: `must be false with ${k("redis.existingUrl")}: the CloudWatch alarms watch the ElastiCache nodes faktory-ha creates; alarm on your Redis where it is run`,
    });
  }
  const alarmKeys = { arn: "alarms.topicArn", emails: "alarms.emails" } as const;
  for (const p of alarmTopicProblems({ arn: alarms.topicArn !== undefined, emails: alarms.emails }, (key) =>
    k(alarmKeys[key]),
  )) {
    problems.push({ key: p.key, received: describeValue(alarms.emails), allowed: p.rule });
  }
  if (edition === "oss" && alarms.enabled) {
    problems.push({
      key: k("alarms.enabled"),
      received: "true",
      allowed:
        'must be false with edition "oss": the CloudWatch alarms watch the ElastiCache nodes, which oss does not use',
    });
  }
  // The contract's rules, with the component's stop timeout and liveness probe (stack config sets
  // neither); the OSS edition runs no lease, as in the component.
  const { ttlMs, renewIntervalMs, renewDeadlineMs } = config.lease;
  for (const message of leaseTimingProblems(
    { ...config.lease, stopTimeoutMs: LEASE_DEFAULTS.stopTimeoutMs },
    (key) => (key === "stopTimeoutMs" ? "the stop timeout" : k(`lease.${key}`)),
    edition === "enterprise"
      ? { timings: FAKTORY_DEFAULTS.liveness, name: (key) => `the default liveness.${key}` }
      : undefined,
  )) {
    problems.push({
      key: k("lease"),
      received: `ttlMs ${ttlMs}, renewIntervalMs ${renewIntervalMs}, renewDeadlineMs ${renewDeadlineMs}`,
      allowed: message,
    });
  }
  // Faktory uses the Redis URL's database: redis.existingUrl's (plain text here; a secret by the time the
  // component sees it), or 0 on the ElastiCache this stack creates. An unparseable URL is left to the
  // supervisor, which names REDIS_URL.
  if (edition === "enterprise") {
    const faktoryDatabase = !existingRedis
      ? 0
      : redisUrlProblem(redis.existingUrl) === undefined
        ? redisUrlDatabase(redis.existingUrl)
        : undefined;
    const problem =
      faktoryDatabase === undefined
        ? undefined
        : leaseDatabaseProblem(config.lease.database, faktoryDatabase);
    if (problem !== undefined) {
      problems.push({ key: k("lease.database"), received: String(config.lease.database), allowed: problem });
    }
  }
  return problems;
}
