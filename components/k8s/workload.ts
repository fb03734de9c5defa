// The one workload: a StatefulSet, for stable pod names (the supervisor's id) and, with oss, a
// volume claim per pod. Pure: returns the plain object the component hands to Pulumi.
import { STARTUP_DEFAULTS } from "../contract/supervisor";
import { CONFIG_DIR, CONTAINER_NAME, OSS_DATA_DIR, PORTS } from "./constants";
import type { EnvVar } from "./env";
import { commonLabels, selectorLabels } from "./labels";
import {
  containerSecurityContext,
  nonEmpty,
  placement,
  podSecurityContext,
  spreadOverZonesAndHosts,
  type Placement,
} from "./pod-spec";
import { containerPorts } from "./ports";
import { tlsVolumes, type ResolvedTls } from "./tls/manifests";
import type { FaktoryEdition, LivenessSettings, StartupSettings } from "./types";

export interface WorkloadInput extends Placement {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly edition: FaktoryEdition;
  readonly replicas: number;
  readonly image: string;
  readonly env: readonly EnvVar[];
  readonly serviceName: string;
  readonly serviceAccountName: string;
  readonly configMapName: string;
  readonly imagePullSecretName?: string;
  readonly liveness: Required<LivenessSettings>;
  /** The open-source server's startup probe (none with the supervisor, which answers at once). */
  readonly startup?: Required<StartupSettings>;
  readonly readiness: {
    readonly periodSeconds: number;
    readonly failureThreshold: number;
    readonly timeoutSeconds: number;
  };
  readonly terminationGracePeriodSeconds: number;
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  readonly runAsUser: number;
  readonly storage?: { readonly size: string; readonly storageClassName?: string };
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations on the pods (e.g. Prometheus scrape annotations); none when empty. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Labels on the pods only, besides `labels` (never in the selector). */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** The routers' TLS (enterprise): its ports, and its Secret mounted read-only. @default off */
  readonly tls?: ResolvedTls;
}

/**
 * The supervisor runs Faktory on the internal ports; its routers own the public ones. Spelled out as
 * the HA image's ENTRYPOINT + CMD (supervisor/Dockerfile): tini as PID 1 reaps Faktory's children, and
 * the Faktory image keeps its binary at `/faktory`. With TLS required, Faktory listens on loopback only:
 * other pods' routers dial the peer TLS port, and nothing may reach Faktory in plain text from the network
 * (the NetworkPolicy says the same, where a CNI enforces one). With TLS off or optional, pods of the plain
 * release dial the internal ports across the network.
 */
export function supervisorCommand(tlsMode: ResolvedTls["mode"]): readonly string[] {
  const host = tlsMode === "required" ? "127.0.0.1" : "";
  return [
    "/sbin/tini",
    "--",
    "faktory-ha-supervisor",
    "--",
    "/faktory",
    "-b",
    `${host}:${PORTS.internal}`,
    "-w",
    `${host}:${PORTS.internalWeb}`,
    "-e",
    "production",
  ];
}
/** The command with TLS off. */
export const SUPERVISOR_COMMAND: readonly string[] = supervisorCommand("off");
/** The official Faktory image keeps its binary at `/faktory`. */
export const OSS_COMMAND: readonly string[] = [
  "/faktory",
  "-b",
  `:${PORTS.faktory}`,
  "-w",
  `:${PORTS.web}`,
  "-e",
  "production",
];

function probes(input: WorkloadInput): {
  livenessProbe: object;
  readinessProbe: object;
  startupProbe?: object;
} {
  const { liveness, readiness } = input;
  const livenessTiming = {
    initialDelaySeconds: 5,
    periodSeconds: liveness.periodSeconds,
    failureThreshold: liveness.failureThreshold,
    timeoutSeconds: liveness.timeoutSeconds,
    // A frozen supervisor ignores TERM; Faktory, its child, only dies at KILL. Keep that gap short.
    terminationGracePeriodSeconds: liveness.terminationGracePeriodSeconds,
  };
  const readinessTiming = { ...readiness, successThreshold: 1 };
  if (input.edition === "oss") {
    // OSS Faktory has no health endpoint; a listening job port is the best signal it offers.
    // It listens only once its embedded Redis has loaded: liveness waits for the startup probe.
    const startup = input.startup ?? STARTUP_DEFAULTS;
    return {
      startupProbe: {
        tcpSocket: { port: "faktory" },
        periodSeconds: startup.periodSeconds,
        failureThreshold: startup.failureThreshold,
        timeoutSeconds: 1,
      },
      livenessProbe: { tcpSocket: { port: "faktory" }, ...livenessTiming },
      readinessProbe: { tcpSocket: { port: "faktory" }, ...readinessTiming },
    };
  }
  return {
    livenessProbe: { httpGet: { path: "/healthz", port: "health", scheme: "HTTP" }, ...livenessTiming },
    readinessProbe: { httpGet: { path: "/readyz", port: "health", scheme: "HTTP" }, ...readinessTiming },
  };
}

/** Spread over zones and hosts. A standby left Pending is visible and harmless; one co-located with the primary silently is not. */
export function topologySpread(instance: string): object[] {
  return spreadOverZonesAndHosts(selectorLabels({ instance }), "DoNotSchedule");
}

/** The StatefulSet object (apiVersion, kind, metadata, spec). */
export function buildStatefulSet(input: WorkloadInput): Record<string, unknown> {
  const selector = selectorLabels({ instance: input.instance });
  const labels = commonLabels({ instance: input.instance }, input.labels);
  const podLabels = commonLabels({ instance: input.instance }, { ...input.labels, ...input.podLabels });
  const tls = tlsVolumes(input.tls ?? { mode: "off" });
  const volumeMounts = [
    // The whole directory, not subPath: kubelet refreshes a directory mount when the ConfigMap
    // changes, and the supervisor turns that into a SIGHUP without a restart.
    { name: "conf-d", mountPath: CONFIG_DIR, readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
    ...(input.edition === "oss" ? [{ name: "data", mountPath: OSS_DATA_DIR }] : []),
    ...tls.mounts,
  ];
  const container = {
    name: CONTAINER_NAME,
    image: input.image,
    // The image is pinned (validated), so a node's cache is correct and pulls are not repeated.
    imagePullPolicy: "IfNotPresent",
    command: [...(input.edition === "oss" ? OSS_COMMAND : supervisorCommand(input.tls?.mode ?? "off"))],
    env: input.env.map((e) => ({ ...e })),
    ports: containerPorts(input.edition, input.tls),
    ...probes(input),
    resources: { requests: { ...input.resources.requests }, limits: { ...input.resources.limits } },
    volumeMounts,
    securityContext: containerSecurityContext(),
  };
  const spec: Record<string, unknown> = {
    replicas: input.replicas,
    // All pods start together: standbys do not wait for the primary to be Ready (it is Ready only
    // once a primary exists, which may be any of them).
    podManagementPolicy: "Parallel",
    serviceName: input.serviceName,
    selector: { matchLabels: selector },
    updateStrategy: { type: "RollingUpdate" },
    template: {
      metadata: {
        labels: podLabels,
        ...nonEmpty("annotations", input.podAnnotations && { ...input.podAnnotations }),
      },
      spec: {
        serviceAccountName: input.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
        securityContext: podSecurityContext(input.runAsUser),
        ...(input.imagePullSecretName ? { imagePullSecrets: [{ name: input.imagePullSecretName }] } : {}),
        ...placement(input),
        topologySpreadConstraints: topologySpread(input.instance),
        containers: [container],
        volumes: [
          { name: "conf-d", configMap: { name: input.configMapName } },
          { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
          ...tls.volumes,
        ],
      },
    },
  };
  if (input.edition === "oss") {
    const storage = input.storage ?? { size: "10Gi" };
    spec.volumeClaimTemplates = [
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data", labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: storage.size } },
          ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
        },
      },
    ];
  }
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: input.name, namespace: input.namespace, labels },
    spec,
  };
}
