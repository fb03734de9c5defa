// The parts of a pod spec every workload of the library shares: the hardening (non-root, no privilege
// escalation, read-only root, no capabilities, the runtime's seccomp profile), the caller's placement
// (node selector, tolerations, affinity, priority) and the spread over zones and hosts. Pure.
import type { Affinity, Toleration } from "./types";

/** The caller's placement args, as every component takes them. */
export interface Placement {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly priorityClassName?: string;
}

/** `{ [key]: value }` when the value has entries, else nothing (Kubernetes omits empty maps and lists). */
export const nonEmpty = <T extends object>(key: string, value: T | undefined): Record<string, T> =>
  value !== undefined && Object.keys(value).length > 0 ? { [key]: value } : {};

/** The container's security context: no escalation, no capabilities, a read-only root. */
export function containerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  };
}

/** The pod's security context: a non-root UID and GID, and the runtime's default seccomp profile. */
export function podSecurityContext(runAsUser: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup: runAsUser,
    fsGroup: runAsUser,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The placement fields of a pod spec, each only when given. */
export function placement(input: Placement): Record<string, unknown> {
  return {
    ...(input.priorityClassName !== undefined ? { priorityClassName: input.priorityClassName } : {}),
    ...nonEmpty("nodeSelector", input.nodeSelector && { ...input.nodeSelector }),
    ...nonEmpty(
      "tolerations",
      input.tolerations?.map((t) => ({ ...t })),
    ),
    ...nonEmpty("affinity", input.affinity && { ...input.affinity }),
  };
}

/** One topology spread constraint per level, zones then hosts, over the pods `selector` matches. */
export function spreadOverZonesAndHosts(
  selector: Readonly<Record<string, string>>,
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway",
): object[] {
  return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: { ...selector } },
  }));
}
