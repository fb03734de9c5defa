// Looking at a deployed Faktory component on the local cluster: its pods, which one is primary, its
// lease in the node's Redis.
import { LEASE_DEFAULTS } from "../../../components/contract/supervisor";
import { leaseKeys, parseLeaseValue, type LeaseValue } from "../../../supervisor/src/lease-scripts";
import { kubectlJson, nodeRedis } from "./env";

export interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly ip: string;
  readonly restarts: number;
  readonly containerId: string;
  readonly revision: string;
  readonly deleting: boolean;
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; containerID?: string }[];
  };
}

export function pods(namespace: string, instance: string): PodView[] {
  const list = kubectlJson<{ items: PodJson[] }>([
    "get",
    "pods",
    "-n",
    namespace,
    "-l",
    `app.kubernetes.io/instance=${instance}`,
  ]);
  return list.items
    .map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      phase: p.status.phase,
      ready: p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      ip: p.status.podIP ?? "",
      restarts: p.status.containerStatuses?.[0]?.restartCount ?? 0,
      containerId: p.status.containerStatuses?.[0]?.containerID ?? "",
      revision: p.metadata.labels?.["controller-revision-hash"] ?? "",
      deleting: p.metadata.deletionTimestamp !== undefined,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The lease as stored in the node's Redis (holder id = pod name, epoch), or null when none is held. */
export async function lease(keyPrefix: string): Promise<LeaseValue | null> {
  const redis = nodeRedis(LEASE_DEFAULTS.database);
  try {
    return parseLeaseValue(await redis.get(leaseKeys(keyPrefix).leader));
  } finally {
    redis.disconnect();
  }
}
