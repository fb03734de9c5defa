// Kubernetes rules for the Faktory workload and everything around it, plus the pod-template helpers
// the stack rules (stack.ts) share.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { asRecord, asString, describe, entries, get, items, UNKNOWN } from "./values";

export const serviceType = "kubernetes:core/v1:Service";
export const configMapType = "kubernetes:core/v1:ConfigMap";
export const pdbType = "kubernetes:policy/v1:PodDisruptionBudget";

// Where each workload kind keeps its pod template.
const podTemplatePaths: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
  "kubernetes:batch/v1:Job": ["spec", "template"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
};
const podType = "kubernetes:core/v1:Pod";
const scalableTypes = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:ReplicaSet",
]);

export function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

export function labelOf(type: string, name: string): string {
  return `Kubernetes ${kindOf(type)} "${name}"`;
}

export function isWorkload(type: string): boolean {
  return type === podType || type in podTemplatePaths;
}

/** The pod spec of a workload (or a Pod's own spec). */
export function podSpecOf(type: string, props: unknown): unknown {
  if (type === podType) return get(props, "spec");
  const path = podTemplatePaths[type];
  return path === undefined ? undefined : get(props, ...path, "spec");
}

/** The labels a workload puts on its pods. */
export function podLabelsOf(type: string, props: unknown): Record<string, unknown> {
  const path = type === podType ? [] : (podTemplatePaths[type] ?? []);
  return asRecord(get(props, ...path, "metadata", "labels")) ?? {};
}

/**
 * How many pods a workload runs at once: a number, "many" for a DaemonSet (one per node), or
 * UNKNOWN. Jobs and Pods count as one: they are not long-running servers behind a Service.
 */
export function replicasOf(type: string, props: unknown): number | "many" | typeof UNKNOWN {
  if (type === "kubernetes:apps/v1:DaemonSet") return "many";
  if (!scalableTypes.has(type)) return 1;
  const replicas = get(props, "spec", "replicas");
  if (replicas === UNKNOWN) return UNKNOWN;
  return typeof replicas === "number" ? replicas : 1;
}

export interface Container {
  readonly name: string;
  readonly spec: unknown;
}

/** Containers and init containers of a pod spec. */
export function containersOf(podSpec: unknown): Container[] {
  return [...items(get(podSpec, "initContainers")), ...items(get(podSpec, "containers"))].map((spec) => ({
    name: asString(get(spec, "name")) ?? "(unnamed)",
    spec,
  }));
}

function commandLine(container: unknown): string[] {
  return [...items(get(container, "command")), ...items(get(container, "args"))].filter(
    (part): part is string => typeof part === "string",
  );
}

/** The image repository's last path segment, without registry, tag or digest. */
function imageBaseName(image: string): string {
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  return lastSegment.split(":")[0];
}

/**
 * A container runs the supervisor when its command line invokes `faktory-ha-supervisor`, or (for an
 * image whose entrypoint is the supervisor) it carries the supervisor's `FAKTORY_HA_*` settings.
 */
export function runsSupervisor(container: unknown): boolean {
  if (commandLine(container).some((part) => part.includes("faktory-ha-supervisor"))) return true;
  return items(get(container, "env")).some((env) => asString(get(env, "name"))?.startsWith("FAKTORY_HA_"));
}

/**
 * A container is a Faktory server when its image is Faktory's own (`faktory`, `faktory-ent`), its
 * command runs the `faktory` binary, or it serves Faktory's protocol port 7419. Worker images whose
 * names merely contain "faktory" are not servers.
 */
export function runsFaktoryServer(container: unknown): boolean {
  if (runsSupervisor(container)) return true;
  const image = asString(get(container, "image"));
  if (image !== undefined && /^faktory(-ent(erprise)?)?$/.test(imageBaseName(image))) return true;
  const executable = commandLine(container)[0];
  if (executable !== undefined && executable.split("/").pop() === "faktory") return true;
  return items(get(container, "ports")).some((port) => get(port, "containerPort") === 7419);
}

export function isFaktoryWorkload(podSpec: unknown): boolean {
  return containersOf(podSpec).some((c) => runsFaktoryServer(c.spec));
}

export function isSupervisedWorkload(podSpec: unknown): boolean {
  return containersOf(podSpec).some((c) => runsSupervisor(c.spec));
}

type WorkloadCheck = (
  podSpec: unknown,
  args: ResourceValidationArgs,
  label: string,
  report: ReportViolation,
) => void;

/** A resource policy that checks the pod spec of every workload kind (and Pods). */
export function onWorkloads(
  name: string,
  description: string,
  check: WorkloadCheck,
): Pick<ResourceValidationPolicy, "name" | "description" | "validateResource"> {
  return {
    name,
    description,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!isWorkload(args.type)) return;
      check(podSpecOf(args.type, args.props), args, labelOf(args.type, args.name), report);
    },
  };
}

export const internalLoadBalancer: ResourceValidationPolicy = {
  name: "k8s-internal-load-balancer",
  description: "A LoadBalancer Service gets an internal load balancer, never an Internet-facing one.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== serviceType || get(args.props, "spec", "type") !== "LoadBalancer") return;
    const annotations = asRecord(get(args.props, "metadata", "annotations")) ?? {};
    const scheme = get(annotations, "service.beta.kubernetes.io/aws-load-balancer-scheme");
    const legacy = get(annotations, "service.beta.kubernetes.io/aws-load-balancer-internal");
    // The AWS Load Balancer Controller reads the scheme annotation first; the legacy one only
    // matters when the scheme is absent.
    if (scheme === "internal" || scheme === UNKNOWN) return;
    if (scheme === undefined && (legacy === "true" || legacy === UNKNOWN)) return;
    const found =
      scheme === undefined
        ? `service.beta.kubernetes.io/aws-load-balancer-internal is ${describe(legacy)} and no scheme annotation is set`
        : `service.beta.kubernetes.io/aws-load-balancer-scheme is ${describe(scheme)}`;
    report(
      `${labelOf(args.type, args.name)}: ${found}; a LoadBalancer Service must set ` +
        `service.beta.kubernetes.io/aws-load-balancer-scheme: "internal" (Faktory has no transport encryption of its own).`,
    );
  },
};

export const singleFaktoryServer: ResourceValidationPolicy = {
  ...onWorkloads(
    "faktory-single-server-unless-supervised",
    "A workload runs at most one Faktory server unless its pods run faktory-ha-supervisor.",
    (podSpec, args, label, report) => {
      if (!isFaktoryWorkload(podSpec) || isSupervisedWorkload(podSpec)) return;
      const replicas = replicasOf(args.type, args.props);
      if (typeof replicas === "number" && replicas <= 1) return;
      const found =
        replicas === "many" ? "it runs one pod per node" : `spec.replicas is ${describe(replicas)}`;
      report(
        `${label}: ${found} and its pods run the Faktory server without faktory-ha-supervisor; run 1 replica or ` +
          `run the supervisor (several active Faktory servers on one Redis lose and re-run jobs).`,
      );
    },
  ),
  enforcementLevel: "mandatory",
};

// Names that hold a secret; `*_FILE`/`*_PATH` name where a mounted secret lives, which is fine.
const secretName = /(redis_?url|password|passwd|license|auth_?token)/i;
const secretReference = /_(file|path)$/i;
const urlWithCredentials = /rediss?:\/\/[^\s/@]*:[^\s/@]+@/i;

export function isSecretName(name: string): boolean {
  return secretName.test(name) && !secretReference.test(name);
}

export const noSecretsInEnv: ResourceValidationPolicy = {
  ...onWorkloads(
    "k8s-no-literal-secret-env",
    "REDIS_URL, passwords and the Faktory license reach containers from Secrets, never as literal env values.",
    (podSpec, _args, label, report) => {
      for (const container of containersOf(podSpec)) {
        for (const env of items(get(container.spec, "env"))) {
          const name = asString(get(env, "name")) ?? "";
          const value = get(env, "value");
          const where = `${label}: container "${container.name}" env ${name}`;
          if (typeof value === "string" && (isSecretName(name) || urlWithCredentials.test(value))) {
            report(`${where} has a literal value; take it from a Secret (valueFrom.secretKeyRef).`);
          } else if (isSecretName(name) && get(env, "valueFrom", "configMapKeyRef") !== undefined) {
            report(`${where} comes from a ConfigMap; take it from a Secret (valueFrom.secretKeyRef).`);
          }
        }
      }
    },
  ),
  enforcementLevel: "mandatory",
};

// A `key = value` / `key: value` line in a config file (TOML, YAML, dotenv).
const assignment = /^\s*(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[=:]/;

/** Why a ConfigMap entry looks like it holds a secret, or undefined. Never includes the value. */
function secretInEntry(key: string, value: unknown): string | undefined {
  if (isSecretName(key)) return `key "${key}" names a secret`;
  if (typeof value !== "string") return undefined;
  if (urlWithCredentials.test(value)) return `key "${key}" holds a Redis URL with credentials`;
  const line = value.split("\n").find((l) => isSecretName(assignment.exec(l)?.[1] ?? ""));
  if (line === undefined) return undefined;
  return `key "${key}" sets ${assignment.exec(line)?.[1] ?? ""}`;
}

export const noSecretsInConfigMaps: ResourceValidationPolicy = {
  name: "k8s-no-secrets-in-configmaps",
  description: "ConfigMaps hold no REDIS_URL, password or license (they are readable without Secret RBAC).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== configMapType) return;
    for (const field of ["data", "binaryData"]) {
      for (const [key, value] of entries(get(args.props, field))) {
        const why = secretInEntry(key, value);
        if (why !== undefined) {
          report(`${labelOf(args.type, args.name)}: ${field} ${why}; keep it in a Secret instead.`);
        }
      }
    }
  },
};

const requiredResources = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

export const requestsAndLimits: ResourceValidationPolicy = {
  ...onWorkloads(
    "k8s-requests-and-limits",
    "Every container sets CPU and memory requests and limits.",
    (podSpec, _args, label, report) => {
      for (const container of containersOf(podSpec)) {
        const missing = requiredResources.filter(
          (path) => get(container.spec, "resources", ...path.split(".")) === undefined,
        );
        if (missing.length === 0) continue;
        report(
          `${label}: container "${container.name}" does not set ${missing.map((m) => `resources.${m}`).join(", ")}; ` +
            `set CPU and memory requests and limits.`,
        );
      }
    },
  ),
  enforcementLevel: "mandatory",
};

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return "has no tag (which means latest)";
  return lastSegment.slice(colon + 1) === "latest" ? 'uses the tag "latest"' : undefined;
}

export const pinnedImages: ResourceValidationPolicy = {
  ...onWorkloads(
    "k8s-pinned-images",
    "Container images are pinned to a version tag other than latest, or to a digest.",
    (podSpec, _args, label, report) => {
      for (const container of containersOf(podSpec)) {
        const image = get(container.spec, "image");
        if (typeof image !== "string") continue;
        const reason = unpinnedReason(image);
        if (reason === undefined) continue;
        report(
          `${label}: container "${container.name}" image ${JSON.stringify(image)} ${reason}; pin a version tag or a digest.`,
        );
      }
    },
  ),
  enforcementLevel: "mandatory",
};

export const kubernetesPolicies: ResourceValidationPolicy[] = [
  internalLoadBalancer,
  singleFaktoryServer,
  noSecretsInEnv,
  noSecretsInConfigMaps,
  requestsAndLimits,
  pinnedImages,
];
