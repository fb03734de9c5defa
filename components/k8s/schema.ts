// Offline validation of rendered Kubernetes objects: the Kubernetes 1.27 OpenAPI schema (through
// kubernetes-models' ajv validators) plus the few API-server checks that the schema cannot express
// but that bit the seed manifests (a selector that does not match its pod labels, one mountPath used
// by two volumes). Pure: no Pulumi here, so the offline plan can run it on every object it renders.
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { monitoringModels } from "./monitoring/crd-validate";
import { tlsModels } from "./tls/crd-validate";

interface Validatable {
  validate(): void;
}

type ModelFactory = (obj: Record<string, unknown>) => Validatable;

// `as never`: the models' constructors want their exact interface; the point here is to check an
// arbitrary object against it at run time.
const models: Record<string, ModelFactory> = {
  "v1/ConfigMap": (o) => new ConfigMap(o as never),
  "v1/Namespace": (o) => new Namespace(o as never),
  "v1/Secret": (o) => new Secret(o as never),
  "v1/Service": (o) => new Service(o as never),
  "v1/ServiceAccount": (o) => new ServiceAccount(o as never),
  "v1/PersistentVolumeClaim": (o) => new PersistentVolumeClaim(o as never),
  "apps/v1/StatefulSet": (o) => new StatefulSet(o as never),
  "apps/v1/Deployment": (o) => new Deployment(o as never),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o as never),
  "networking.k8s.io/v1/NetworkPolicy": (o) => new NetworkPolicy(o as never),
  // Custom resources the component can create (prometheus-operator, cert-manager): the CRDs' own constraints.
  ...monitoringModels,
  ...tlsModels,
};

/** The `apiVersion/kind` pairs `validateKubernetesObject` knows. */
export const supportedKinds: readonly string[] = Object.keys(models);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function schemaErrors(key: string, obj: Obj): string[] {
  const factory = models[key];
  if (!factory) return [`${key}: no schema known (supported: ${supportedKinds.join(", ")})`];
  try {
    factory(obj).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors.map((err) => `${key} ${err.instancePath || "/"}: ${err.message ?? "invalid"}`);
    }
    return [`${key}: ${(e as Error).message}`];
  }
}

function podTemplateErrors(key: string, spec: Obj): string[] {
  const errors: string[] = [];
  const template = isObj(spec.template) ? spec.template : {};
  const podLabels = (
    isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : {}
  ) as Obj;
  const selector = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  for (const [k, v] of Object.entries(selector)) {
    if (podLabels[k] !== v) {
      errors.push(`${key} /spec/selector/matchLabels/${k}: selector does not match the pod template labels`);
    }
  }
  const podSpec = isObj(template.spec) ? template.spec : {};
  const containers = [
    ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []),
    ...(Array.isArray(podSpec.containers) ? podSpec.containers : []),
  ] as Obj[];
  for (const container of containers) {
    const seen = new Set<string>();
    for (const mount of (Array.isArray(container.volumeMounts) ? container.volumeMounts : []) as Obj[]) {
      const path = String(mount.mountPath);
      if (seen.has(path)) {
        errors.push(`${key} container ${String(container.name)}: mountPath ${path} is used more than once`);
      }
      seen.add(path);
    }
  }
  return errors;
}

/**
 * Validates one Kubernetes object (plain data, `apiVersion` and `kind` set) against the Kubernetes
 * 1.27 schema, plus selector/pod-label agreement and unique mount paths for workloads.
 * @returns one message per problem (`<apiVersion>/<kind> <json path>: <problem>`); empty when valid.
 */
export function validateKubernetesObject(obj: unknown): string[] {
  if (!isObj(obj)) return ["not an object"];
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  const errors = schemaErrors(key, obj);
  if ((key === "apps/v1/StatefulSet" || key === "apps/v1/Deployment") && isObj(obj.spec)) {
    errors.push(...podTemplateErrors(key, obj.spec));
  }
  return errors;
}
