// Pure views of an evaluation: the resource tree, the per-provider summary, and the Kubernetes
// objects as kubectl-applyable documents.
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
    // Pulumi auto-names an object without metadata.name; show the logical name so the file applies.
    if (metadata.name === undefined) metadata.name = r.name;
    out.push({ resource: r, object: { ...r.inputs, apiVersion, kind, metadata } as KubernetesObject });
  }
  return out;
}

/** A Secret's values are never written, even redacted ones keep their keys so the file still applies. */
export function withSecretValuesHidden(object: KubernetesObject): KubernetesObject {
  if (object.kind !== "Secret") return object;
  const hide = (data: unknown, encode: boolean) =>
    data && typeof data === "object"
      ? Object.fromEntries(
          Object.keys(data).map((k) => [k, encode ? Buffer.from("[secret]").toString("base64") : "[secret]"]),
        )
      : data;
  return {
    ...object,
    ...(object.data !== undefined ? { data: hide(object.data, true) } : {}),
    ...(object.stringData !== undefined ? { stringData: hide(object.stringData, false) } : {}),
  };
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
