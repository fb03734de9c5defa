// Production and non-production differ only in how strictly some rules are enforced. CrossGuard
// configures enforcement per policy through the pack config file, so an environment is a pack config:
// `policies/config/<environment>.json`, generated from `packConfig` and checked by a test. The offline
// plan evaluator uses the same table, so `pulumi preview` and `faktory-ha plan` agree.
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";

export type Environment = "prod" | "dev";
export const environments: readonly Environment[] = ["prod", "dev"];

// What non-production relaxes. A policy not listed keeps the level it declares, which is the
// production level: a stack previewed without any pack config gets the strict rules.
const nonProdLevels: Readonly<Record<string, EnforcementLevel>> = {
  "elasticache-automatic-failover": "advisory",
  "elasticache-multi-az": "advisory",
  "elasticache-snapshot-retention": "disabled",
  "elasticache-final-snapshot": "disabled",
  "eks-node-groups-multi-az": "disabled",
  // Dev stacks leave the CloudWatch alarms off (faktory-ha:alarms); nobody is paged for dev.
  "elasticache-alarms": "disabled",
  // A dev cluster may have no certificate to serve (no cert-manager, no Secret): say so, do not block.
  "faktory-tls-required": "advisory",
  // Workers that lose a job's FAIL to a short grace, or to a drain without a budget, are retried late, not
  // lost: worth a warning in dev, a stop in prod.
  "faktory-worker-grace": "advisory",
  "faktory-worker-pdb": "advisory",
};

export function parseEnvironment(value: string): Environment {
  if ((environments as readonly string[]).includes(value)) return value as Environment;
  throw new Error(`unknown policy environment ${JSON.stringify(value)}: expected "prod" or "dev"`);
}

/** The pack config (`--policy-pack-config`) for an environment. */
export function packConfig(environment: Environment): PolicyPackConfig {
  return environment === "prod" ? {} : { ...nonProdLevels };
}

/** The level a policy runs at in an environment: the pack config's override, else its own. */
export function enforcementFor(
  policy: { name: string; enforcementLevel?: EnforcementLevel },
  environment: Environment,
): EnforcementLevel {
  const configured = packConfig(environment)[policy.name];
  if (typeof configured === "string") return configured;
  return configured?.enforcementLevel ?? policy.enforcementLevel ?? "advisory";
}
