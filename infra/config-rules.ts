// Rules that relate several keys. Each returns problems in the same shape as schema errors.
import {
  LEASE_DEFAULTS,
  leaseDatabaseProblem,
  redisUrlDatabase,
  leaseTimingProblems,
  redisUrlProblem,
} from "../components/contract/supervisor";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import { describeValue, NAMESPACE, type ConfigProblem } from "./config-problem";
import type { StackConfig } from "./stack-config";

const k = (key: string) => `${NAMESPACE}:${key}`;

export function crossKeyProblems(
  config: StackConfig,
  given: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { edition, environment, secrets, redis, existingSecret } = config;
  const existingRedis = "existingUrl" in redis;

  if (edition === "oss" && config.secondaries > 0) {
    problems.push({
      key: k("secondaries"),
      received: String(config.secondaries),
      allowed:
        'must be 0 with edition "oss": open-source Faktory keeps its Redis inside the pod, so only one server can run; ' +
        'use edition "enterprise" for hot standbys',
    });
  }
  if (edition === "enterprise" && secrets.license === undefined && existingSecret === undefined) {
    problems.push({
      key: k("license"),
      received: "nothing",
      allowed:
        'is required with edition "enterprise" (REDIS_URL and cron need Faktory Enterprise): ' +
        `run \`pulumi config set --secret ${k("license")} <key>\`, set ${k("existingSecret")} to a Secret holding FAKTORY_LICENSE, or set ${k("edition")} to "oss" for a dev stack`,
    });
  }
  // Every environment: the Redis component always builds Multi-AZ with automatic failover, which
  // needs a replica. Checked here so the message names the stack key, not the component arg.
  if (edition === "enterprise" && !existingRedis && redis.nodes < 2) {
    problems.push({
      key: k("redis.nodes"),
      received: String(redis.nodes),
      allowed: `must be at least 2${environment === "prod" ? " in prod" : ""}: a primary and a replica in another AZ, for automatic failover`,
    });
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
    if (!(minNodes <= desiredNodes && desiredNodes <= maxNodes)) {
      problems.push({
        key: k("cluster"),
        received: `minNodes ${minNodes}, desiredNodes ${desiredNodes}, maxNodes ${maxNodes}`,
        allowed: "must satisfy minNodes ≤ desiredNodes ≤ maxNodes",
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
  if (existingRedis && edition === "oss") {
    problems.push({
      key: k("redis.existingUrl"),
      received: "a secret value (not shown)",
      allowed:
        'is not used with edition "oss" (it runs its own Redis): remove it or use edition "enterprise"',
    });
  }
  if (existingSecret !== undefined) {
    for (const key of ["password", "license"] as const) {
      if (secrets[key] === undefined) continue;
      problems.push({
        key: k(key),
        received: "a secret value (not shown)",
        allowed: `must not be set with ${k("existingSecret")} (${JSON.stringify(existingSecret)}): the pods read it from that Secret; remove one of them`,
      });
    }
  }
  const { alarms, monitoring } = config;
  if (existingRedis && alarms.enabled) {
    problems.push({
      key: k("alarms.enabled"),
      received: "true",
      allowed: `must be false with ${k("redis.existingUrl")}: the CloudWatch alarms watch the ElastiCache nodes faktory-ha creates; alarm on your Redis where it is run`,
    });
  }
  if (alarms.topicArn !== undefined && alarms.emails.length > 0) {
    problems.push({
      key: k("alarms.emails"),
      received: describeValue(alarms.emails),
      allowed: `must be empty with ${k("alarms.topicArn")}: e-mail subscriptions are made only on a topic faktory-ha creates; subscribe the addresses to your existing topic instead`,
    });
  }
  if (edition === "oss" && alarms.enabled) {
    problems.push({
      key: k("alarms.enabled"),
      received: "true",
      allowed:
        'must be false with edition "oss": the CloudWatch alarms watch the ElastiCache nodes, which oss does not use',
    });
  }
  if (edition === "oss") {
    for (const part of ["podMonitor", "prometheusRule", "dashboard"] as const) {
      if (!monitoring[part].enabled) continue;
      problems.push({
        key: k(`monitoring.${part}.enabled`),
        received: "true",
        allowed:
          'must be false with edition "oss": the metrics come from the faktory-ha supervisor\'s /metrics, which open-source Faktory alone does not serve',
      });
    }
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
