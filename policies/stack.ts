// Rules that need more than one resource: a replication group and its parameter group, a workload
// and its PodDisruptionBudget, the cron ConfigMap and whoever mounts it, node groups and their subnets.
//
// References between resources are resolved by name when the name is known, else through the
// engine's dependency information (`propertyDependencies`, then `dependencies`): during a preview of a
// new stack, an auto-named resource's name is unknown but the dependency is recorded.
import type { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { nodeGroupTypes } from "./eks";
import { parameterGroupType, replicationGroupType } from "./elasticache";
import {
  configMapType,
  containersOf,
  isFaktoryWorkload,
  isSupervisedWorkload,
  isWorkload,
  labelOf,
  pdbType,
  podLabelsOf,
  podSpecOf,
  replicasOf,
} from "./kubernetes";
import { asRecord, asString, describe, entries, get, items, UNKNOWN } from "./values";

/** The part of a CrossGuard `PolicyResource` the stack rules use (the offline evaluator builds these). */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  /** The provider-assigned id, when the caller knows it (CrossGuard has it in `props.id`). */
  readonly id?: string;
  readonly dependencies: readonly { readonly urn: string }[];
  readonly propertyDependencies: Readonly<Record<string, readonly { readonly urn: string }[]>>;
}

export type StackCheck = (resources: readonly StackResource[], report: ReportViolation) => void;

export function stackPolicy(name: string, description: string, check: StackCheck): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => check(args.resources as unknown as StackResource[], report),
  };
}

export function ofType(resources: readonly StackResource[], types: readonly string[]): StackResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** The resources among `candidates` that `from` depends on through `property` (or at all). */
function dependedOn(from: StackResource, property: string, candidates: StackResource[]): StackResource[] {
  const urns = new Set(
    (from.propertyDependencies?.[property] ?? from.dependencies ?? []).map((dependency) => dependency.urn),
  );
  return candidates.filter((c) => urns.has(c.urn));
}

/** Whether `reference` names `target`, whose own name (if set) is `targetName`. */
function namesResource(reference: unknown, target: StackResource, targetName: unknown): boolean {
  if (typeof reference !== "string") return false;
  if (typeof targetName === "string") return reference === targetName;
  // Auto-named: Pulumi appends a random suffix to the logical name.
  return reference === target.name || reference.startsWith(`${target.name}-`);
}

// --- ElastiCache: maxmemory-policy noeviction -------------------------------------------------

/** The maxmemory-policy a parameter group sets (engine default when absent). */
function maxmemoryPolicyOf(parameterGroup: StackResource): unknown {
  const parameter = items(get(parameterGroup.props, "parameters")).find(
    (p) => get(p, "name") === "maxmemory-policy",
  );
  return parameter === undefined ? undefined : get(parameter, "value");
}

function checkNoeviction(resources: readonly StackResource[], report: ReportViolation): void {
  const parameterGroups = ofType(resources, [parameterGroupType]);
  for (const group of ofType(resources, [replicationGroupType])) {
    const label = `ElastiCache replication group "${group.name}"`;
    const reference = get(group.props, "parameterGroupName");
    const byName = parameterGroups.filter((pg) => namesResource(reference, pg, get(pg.props, "name")));
    const [parameterGroup] =
      byName.length > 0 ? byName : dependedOn(group, "parameterGroupName", parameterGroups);
    if (parameterGroup === undefined) {
      if (reference === UNKNOWN) continue;
      const found = reference === undefined ? "not set (the engine default)" : `${describe(reference)}`;
      report(
        `${label}: parameterGroupName is ${found}, which is not a parameter group in this stack; use a ` +
          `parameter group in the stack that sets maxmemory-policy to "noeviction" (Redis must never evict jobs).`,
        group.urn,
      );
      continue;
    }
    const policy = maxmemoryPolicyOf(parameterGroup);
    if (policy === "noeviction" || policy === UNKNOWN) continue;
    report(
      `${label}: its parameter group "${parameterGroup.name}" sets maxmemory-policy to ` +
        `${policy === undefined ? "nothing (the engine default, volatile-lru)" : describe(policy)}; it must be ` +
        `"noeviction" (an evicting Redis silently drops jobs and the leader lease).`,
      group.urn,
    );
  }
}

export const noeviction = stackPolicy(
  "elasticache-noeviction",
  'ElastiCache replication groups use a parameter group whose maxmemory-policy is "noeviction".',
  checkNoeviction,
);

// --- Kubernetes: PodDisruptionBudget for every multi-replica workload -------------------------

function namespaceOf(resource: StackResource): unknown {
  return get(resource.props, "metadata", "namespace") ?? "default";
}

export function sameNamespace(a: StackResource, b: StackResource): boolean {
  const [x, y] = [namespaceOf(a), namespaceOf(b)];
  return x === y || x === UNKNOWN || y === UNKNOWN;
}

function matchesExpression(expression: unknown, labels: Record<string, unknown>): boolean {
  const key = asString(get(expression, "key")) ?? "";
  const values = items(get(expression, "values"));
  const value = labels[key];
  if (value === UNKNOWN) return true;
  switch (get(expression, "operator")) {
    case "In":
      return values.includes(value);
    case "NotIn":
      return !values.includes(value);
    case "Exists":
      return key in labels;
    case "DoesNotExist":
      return !(key in labels);
    default:
      return false;
  }
}

/** Whether a label selector selects pods with `labels` (an absent selector selects nothing). */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  if (selector === UNKNOWN) return true;
  if (asRecord(selector) === undefined) return false;
  const labelsMatch = entries(get(selector, "matchLabels")).every(
    ([key, value]) => value === UNKNOWN || labels[key] === UNKNOWN || labels[key] === value,
  );
  return labelsMatch && items(get(selector, "matchExpressions")).every((e) => matchesExpression(e, labels));
}

function checkDisruptionBudgets(resources: readonly StackResource[], report: ReportViolation): void {
  const budgets = ofType(resources, [pdbType]);
  for (const workload of resources.filter((r) => isWorkload(r.type))) {
    const replicas = replicasOf(workload.type, workload.props);
    // DaemonSet pods are not evicted by a drain, so a budget would not protect them.
    if (typeof replicas !== "number" || replicas <= 1) continue;
    const labels = podLabelsOf(workload.type, workload.props);
    const covered = budgets.some(
      (b) => sameNamespace(b, workload) && selects(get(b.props, "spec", "selector"), labels),
    );
    if (covered) continue;
    report(
      `${labelOf(workload.type, workload.name)}: spec.replicas is ${replicas} and no PodDisruptionBudget in its ` +
        `namespace selects its pod labels ${describe(labels)}; add one so a node drain keeps pods running.`,
      workload.urn,
    );
  }
}

export const disruptionBudgets = stackPolicy(
  "k8s-pdb-for-multi-replica",
  "Every workload with more than one replica has a PodDisruptionBudget that selects its pods.",
  checkDisruptionBudgets,
);

// --- Kubernetes: the cron config is mounted only by the supervised Faktory workload -----------

function isCronConfig(configMap: StackResource): boolean {
  return entries(get(configMap.props, "data")).some(
    ([key, value]) => key.endsWith("cron.toml") || (typeof value === "string" && value.includes("[[cron]]")),
  );
}

/** Every ConfigMap name a pod spec refers to (volumes, projected volumes, envFrom, env). */
function configMapReferences(podSpec: unknown): unknown[] {
  const references: unknown[] = [];
  for (const volume of items(get(podSpec, "volumes"))) {
    if (get(volume, "configMap") !== undefined) references.push(get(volume, "configMap", "name"));
    for (const source of items(get(volume, "projected", "sources"))) {
      if (get(source, "configMap") !== undefined) references.push(get(source, "configMap", "name"));
    }
  }
  for (const container of containersOf(podSpec)) {
    for (const from of items(get(container.spec, "envFrom"))) {
      if (get(from, "configMapRef") !== undefined) references.push(get(from, "configMapRef", "name"));
    }
    for (const env of items(get(container.spec, "env"))) {
      const ref = get(env, "valueFrom", "configMapKeyRef");
      if (ref !== undefined) references.push(get(ref, "name"));
    }
  }
  return references;
}

function usesConfigMap(workload: StackResource, podSpec: unknown, configMap: StackResource): boolean {
  const references = configMapReferences(podSpec);
  const ownName = get(configMap.props, "metadata", "name");
  if (references.some((reference) => namesResource(reference, configMap, ownName))) return true;
  const unresolved = references.some((reference) => typeof reference !== "string");
  return unresolved && dependedOn(workload, "spec", [configMap]).length > 0;
}

function checkCronMounts(resources: readonly StackResource[], report: ReportViolation): void {
  const cronConfigs = ofType(resources, [configMapType]).filter(isCronConfig);
  if (cronConfigs.length === 0) return;
  for (const workload of resources.filter((r) => isWorkload(r.type))) {
    const podSpec = podSpecOf(workload.type, workload.props);
    if (isFaktoryWorkload(podSpec) && isSupervisedWorkload(podSpec)) continue;
    for (const configMap of cronConfigs.filter((cm) => usesConfigMap(workload, podSpec, cm))) {
      report(
        `${labelOf(workload.type, workload.name)}: mounts the cron config ConfigMap "${configMap.name}" but does ` +
          `not run Faktory under faktory-ha-supervisor; only the supervised Faktory workload may mount it ` +
          `(any other Faktory server would fire every schedule again).`,
        workload.urn,
      );
    }
  }
}

export const cronConfigMounts = stackPolicy(
  "k8s-cron-config-only-supervised",
  "The cron config ConfigMap is mounted only by the Faktory workload that runs faktory-ha-supervisor.",
  checkCronMounts,
);

// --- EKS: node groups span at least two Availability Zones -----------------------------------

const subnetType = "aws:ec2/subnet:Subnet";

function zoneOf(subnet: StackResource): unknown {
  return get(subnet.props, "availabilityZone") ?? get(subnet.props, "availabilityZoneId");
}

/**
 * The Availability Zones of a node group's subnets when every subnet is a resource in this stack
 * with a known zone; otherwise undefined (then the distinct subnet count is all we can check).
 */
function zonesOf(
  nodeGroup: StackResource,
  subnetIds: unknown[],
  subnets: StackResource[],
): string[] | undefined {
  const byId = subnetIds.map((id) => subnets.find((s) => (s.id ?? get(s.props, "id")) === id));
  const resolved = byId.every((s) => s !== undefined) ? byId : dependedOn(nodeGroup, "subnetIds", subnets);
  if (resolved.length === 0 || resolved.length < subnetIds.length) return undefined;
  const zones = (resolved as StackResource[]).map(zoneOf);
  return zones.every((z) => typeof z === "string") ? [...new Set(zones as string[])] : undefined;
}

function checkNodeGroupZones(resources: readonly StackResource[], report: ReportViolation): void {
  const subnets = ofType(resources, [subnetType]);
  for (const nodeGroup of ofType(resources, nodeGroupTypes)) {
    const subnetIds = get(nodeGroup.props, "subnetIds");
    if (subnetIds === UNKNOWN) continue;
    const ids = items(subnetIds);
    const zones = zonesOf(nodeGroup, ids, subnets);
    const label = `EKS node group "${nodeGroup.name}"`;
    if (zones !== undefined) {
      if (zones.length >= 2) continue;
      report(
        `${label}: its subnets are in ${zones.length} Availability Zone(s) ${describe(zones)}; ` +
          `spread subnetIds over at least 2 so an AZ outage leaves nodes for the Faktory pods.`,
        nodeGroup.urn,
      );
      continue;
    }
    // Unknown ids (subnets created in the same update) are distinct subnets.
    const distinct = new Set(ids.map((id, i) => (typeof id === "string" ? id : `unknown-${i}`)));
    if (distinct.size >= 2) continue;
    report(
      `${label}: subnetIds has ${distinct.size} subnet(s); it needs subnets in at least 2 Availability Zones ` +
        `so an AZ outage leaves nodes for the Faktory pods.`,
      nodeGroup.urn,
    );
  }
}

export const nodeGroupZones = stackPolicy(
  "eks-node-groups-multi-az",
  "EKS node groups span at least two Availability Zones (prod only).",
  checkNodeGroupZones,
);

export const stackPolicies: StackValidationPolicy[] = [
  noeviction,
  disruptionBudgets,
  cronConfigMounts,
  nodeGroupZones,
];
