// Pure views of an evaluation: the resource tree, the per-provider summary, and the Kubernetes
// objects as kubectl-applyable documents.
import { kubernetesAutoName } from "./cloud-mocks";
import type { PlannedResource } from "./evaluate";

const KUBERNETES_TYPE = /^kubernetes:([\w.-]+)\/(v[\w]+):(\w+)$/;

/** `aws:ec2/vpc:Vpc` → `aws`; component tokens (`faktory-ha:aws:Redis`) → `faktory-ha`. */
export const providerOf = (type: string): string => type.split(":")[0];

export function summary(resources: readonly PlannedResource[]): string {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(providerOf(r.type), (counts.get(providerOf(r.type)) ?? 0) + 1);
  const parts = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, n]) => `${p} ${n}`);
  return `${resources.length} resources: ${parts.join(", ")}`;
}

/** The resources as an indented tree, children under their component, in registration order. */
export function tree(resources: readonly PlannedResource[]): string {
  const key = (type: string, name: string) => `${type}::${name}`;
  const children = new Map<string, PlannedResource[]>();
  const roots: PlannedResource[] = [];
  const known = new Set(resources.map((r) => key(r.type, r.name)));
  for (const r of resources) {
    const parentKey = r.parent ? key(r.parent.type, r.parent.name) : undefined;
    if (parentKey && known.has(parentKey)) {
      children.set(parentKey, [...(children.get(parentKey) ?? []), r]);
    } else {
      roots.push(r);
    }
  }
  const lines: string[] = [];
  const walk = (r: PlannedResource, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${r.type}  ${r.name}`);
    const kids = children.get(key(r.type, r.name)) ?? [];
    const nextPrefix = depth === 0 ? "" : prefix + (last ? "   " : "│  ");
    kids.forEach((k, i) => walk(k, depth === 0 ? "  " : nextPrefix, i === kids.length - 1, depth + 1));
  };
  roots.forEach((r) => walk(r, "", true, 0));
  return lines.join("\n");
}

export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name?: string; namespace?: string; [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** The Kubernetes objects among the resources (Helm releases and providers are not objects). */
export function kubernetesObjects(
  resources: readonly PlannedResource[],
): { resource: PlannedResource; object: KubernetesObject }[] {
  const out: { resource: PlannedResource; object: KubernetesObject }[] = [];
  for (const r of resources) {
    const match = KUBERNETES_TYPE.exec(r.type);
    if (!match || match[1] === "helm.sh") continue;
    const [, group, version, kind] = match;
    const apiVersion = group === "core" ? version : `${group}/${version}`;
    const metadata = { ...((r.inputs.metadata as Record<string, unknown> | undefined) ?? {}) };
    // The provider auto-names an object without metadata.name; write the name the plan's stand-in
    // gave it, which is the one other objects of the plan refer to.
    if (metadata.name === undefined) metadata.name = kubernetesAutoName(r.name);
    out.push({ resource: r, object: { ...r.inputs, apiVersion, kind, metadata } as KubernetesObject });
  }
  return out;
}

/**
 * The placeholder written for a Secret value. The API server validates the values of some Secret types:
 * a registry Secret's `.dockerconfigjson` / `.dockercfg` must be JSON, so there the placeholder is JSON that
 * still says "[secret]" (kubelet finds no usable credentials in it).
 */
export function secretPlaceholder(type: unknown, key: string): string {
  if (type === "kubernetes.io/dockerconfigjson" && key === ".dockerconfigjson") {
    return JSON.stringify({ auths: { "[secret]": { auth: "[secret]" } } });
  }
  if (type === "kubernetes.io/dockercfg" && key === ".dockercfg") {
    return JSON.stringify({ "[secret]": { auth: "[secret]" } });
  }
  return "[secret]";
}

/**
 * A Secret is written with its keys and every value replaced, so the file still applies. `rawKeys`
 * are the key names from the unredacted inputs (the redacted view may hide the whole map).
 */
export function withSecretValuesHidden(
  object: KubernetesObject,
  rawKeys: { data?: string[]; stringData?: string[] },
): KubernetesObject {
  if (object.kind !== "Secret") return object;
  const type = (object as { type?: unknown }).type;
  const hidden = (keys: string[], encode: (v: string) => string) =>
    Object.fromEntries(keys.map((k) => [k, encode(secretPlaceholder(type, k))]));
  const { data: _data, stringData: _stringData, ...rest } = object;
  return {
    ...rest,
    ...(rawKeys.data ? { data: hidden(rawKeys.data, (v) => Buffer.from(v).toString("base64")) } : {}),
    ...(rawKeys.stringData ? { stringData: hidden(rawKeys.stringData, (v) => v) } : {}),
  } as KubernetesObject;
}

/** A file name for an object: `<kind>-<namespace>-<name>.yaml`, lowercase, safe characters only. */
export function fileNameFor(object: KubernetesObject): string {
  const parts = [object.kind, object.metadata.namespace, object.metadata.name].filter(
    (p): p is string => typeof p === "string" && p.length > 0,
  );
  return `${parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")}.yaml`;
}
