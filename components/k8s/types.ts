import type * as pulumi from "@pulumi/pulumi";
import type { CronJob } from "../cron/types";
import type { MonitoringSettings } from "./monitoring/types";
import type { TlsSettings } from "./tls/types";

export type FaktoryEdition = "enterprise" | "oss";

/** Credentials for the registry that serves the Faktory Enterprise (or HA) image. */
export interface RegistryCredentials {
  /** Registry host, e.g. `docker.contribsys.com`. */
  readonly server: pulumi.Input<string>;
  readonly username: pulumi.Input<string>;
  /** @secret */
  readonly password: pulumi.Input<string>;
}

/** Faktory Enterprise statsd settings, rendered to `statsd.toml`. */
export interface StatsdSettings {
  /** `host:port` of the statsd agent, e.g. `datadog-agent.monitoring:8125`. */
  readonly location: string;
  /** Metric name prefix. @default "faktory" */
  readonly namespace?: string;
  /** Tags added to every metric, e.g. `["env:prod"]`. @default [] */
  readonly tags?: readonly string[];
}

/** Lease and router timings handed to the supervisor. Plain numbers: validated up front. */
export interface LeaseSettings {
  /** Lease time-to-live in ms. @default 10000 */
  readonly ttlMs?: number;
  /**
   * How often the primary renews, in ms. A frozen primary's lease expires ttl − this after the freeze,
   * so liveness kill time + this + 500 ms must be ≤ ttl. @default 1000
   */
  readonly renewIntervalMs?: number;
  /**
   * The primary stops Faktory when its last renew is older than this, in ms (< ttl). Keep
   * 2 × renewDeadline + stopTimeout ≤ ttl: a standby then starts Faktory as soon as a dead primary's
   * lease expires; any excess is added to every unplanned takeover. @default 4000
   */
  readonly renewDeadlineMs?: number;
  /** How often a standby tries to acquire, in ms. @default 500 */
  readonly pollMs?: number;
  /** How long a router holds a new connection while no primary is known, in ms. @default 15000 */
  readonly routerHoldMs?: number;
  /**
   * Bound on stopping Faktory (TERM, then KILL), in ms; renewDeadline + this + 500 ms must be ≤ ttl.
   * @default 2000
   */
  readonly stopTimeoutMs?: number;
  /** Redis key prefix of the lease; distinct per Faktory sharing a Redis. @default "faktory-ha" */
  readonly keyPrefix?: string;
  /**
   * Redis database index of the lease keys (0..15). It must differ from Faktory's own (the Redis URL's,
   * 0 when it names none): Faktory's FLUSH empties that database, and a lease there would go with it.
   * @default 1
   */
  readonly database?: number;
}

/**
 * Liveness probe timings. Plain numbers, checked before anything is created: the kill time
 * (period × failureThreshold + timeout + grace) + lease.renewIntervalMs + 500 ms must be ≤ lease.ttlMs.
 */
export interface LivenessSettings {
  /** @default 2 */
  readonly periodSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** @default 1 */
  readonly timeoutSeconds?: number;
  /**
   * Grace between the kubelet's TERM and KILL after a liveness failure. A frozen supervisor ignores
   * TERM, so Faktory (its child) dies only at KILL; this must be short for the fence to hold.
   * @default 1
   */
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * The open-source server's startup probe (its embedded Redis loads the whole RDB before Faktory listens):
 * period × failureThreshold is how long a start may take, at least the liveness probe's kill time.
 */
export interface StartupSettings {
  /** 1 to 60. @default 10 */
  readonly periodSeconds?: number;
  /** 1 to 10000. @default 180 (half an hour at the default period) */
  readonly failureThreshold?: number;
}

/** CPU and memory quantities, as in a Kubernetes container's `resources`. */
export interface ResourceQuantities {
  /** CPU, e.g. `250m` or `2`. */
  readonly cpu?: string;
  /** Memory, e.g. `512Mi`. */
  readonly memory?: string;
}

/** Container resources; a request may not exceed its limit (defaults included). */
export interface ResourceSettings {
  /** @default { cpu: "250m", memory: "512Mi" } */
  readonly requests?: pulumi.Input<ResourceQuantities>;
  /** @default { cpu: "2", memory: "1Gi" } */
  readonly limits?: pulumi.Input<ResourceQuantities>;
}

/** A pod toleration, as in a Kubernetes pod spec. */
export interface Toleration {
  /** The taint key; required unless `operator` is `Exists`. */
  readonly key?: string;
  /** @default "Equal" */
  readonly operator?: "Exists" | "Equal";
  /** The taint value; empty with `Exists`. */
  readonly value?: string;
  /** @default every effect */
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** With `NoExecute`: how long the pod stays once tainted. @default forever */
  readonly tolerationSeconds?: number;
}

/** Kubernetes pod affinity (`nodeAffinity`, `podAffinity`, `podAntiAffinity`), checked against its schema. */
export interface Affinity {
  readonly nodeAffinity?: Readonly<Record<string, unknown>>;
  readonly podAffinity?: Readonly<Record<string, unknown>>;
  readonly podAntiAffinity?: Readonly<Record<string, unknown>>;
}

/** A plain environment variable for the Faktory container. */
export interface ExtraEnvVar {
  readonly name: string;
  readonly value: string;
}

/** Every arg; the two editions below each take their share (see FaktoryArgs). */
interface FaktoryArgsBase {
  /**
   * `enterprise`: `1 + secondaries` supervised pods sharing `redisUrl` (Faktory Enterprise image with
   * the faktory-ha supervisor). `oss`: one open-source Faktory with its embedded Redis on a volume.
   * @default "enterprise"
   */
  readonly edition?: FaktoryEdition;
  /** Container image, pinned by tag (not `latest`) or digest. Enterprise: the faktory-ha image. */
  readonly image: pulumi.Input<string>;
  /** Hot standbys besides the primary (0..10). Must be 0 with `oss`. @default 1 (enterprise), 0 (oss) */
  readonly secondaries?: number;
  /** Namespace to deploy into. @default the component name */
  readonly namespace?: pulumi.Input<string>;
  /** Create the namespace (false: it already exists). @default true */
  readonly createNamespace?: boolean;
  /**
   * `redis://` or `rediss://` URL with its password (secret). Required with enterprise unless
   * `existingSecret` holds it; unused with oss.
   * @secret
   */
  readonly redisUrl?: pulumi.Input<string>;
  /**
   * Faktory password clients use; not with `existingSecret`.
   * @default a generated 32-character password
   * @secret
   */
  readonly password?: pulumi.Input<string>;
  /** Faktory Enterprise license. Required with enterprise unless `existingSecret` holds it. @secret */
  readonly license?: pulumi.Input<string>;
  /** Pull credentials for the image's registry; creates a dockerconfigjson Secret. @default none */
  readonly registryCredentials?: RegistryCredentials;
  /** Cron jobs (Enterprise), rendered to `cron.toml`. @default [] */
  readonly cron?: readonly CronJob[];
  /** statsd metrics (Enterprise), rendered to `statsd.toml`. @default none */
  readonly statsd?: StatsdSettings;
  /**
   * Expose the web UI (7420) on the ClusterIP Service and the internal NLB (never a public one), and
   * admit it in the NetworkPolicy from `allowedCidrs` and `allowedNamespaces`. @default false
   */
  readonly webUi?: boolean;
  /**
   * VPC CIDRs (nodes and the NLB). Admitted to the health port 7421 (kubelet probes, NLB health
   * checks) and, unless `allowedCidrs` is given, to 7419/7420.
   */
  readonly vpcCidrs: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * CIDRs admitted to 7419 (and 7420 with `webUi`). The NLB preserves client IPs, so these are the
   * real clients' addresses.
   * @default vpcCidrs (what an internal NLB is reachable from anyway)
   */
  readonly allowedCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Namespaces whose pods may connect to 7419 (and 7420 with `webUi`); the own namespace always may. @default [] */
  readonly allowedNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Namespaces whose pods may reach the health port 7421 only (enterprise): KEDA's operator reads the
   * scaler endpoint there (`/scaler`, the Workers component's autoscaling) from its own namespace. `[]`
   * when KEDA runs elsewhere (list its namespace) or not at all; the VPC CIDRs reach 7421 regardless.
   * @default ["keda"]
   */
  readonly scalerNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Create the internal NLB Service (`<serviceName>-nlb`, type LoadBalancer, for the AWS Load Balancer
   * Controller). `false`: only the ClusterIP Service, for a cluster without a load-balancer controller (the
   * Kubernetes provider would otherwise wait for an address that never comes); `loadBalancerHostname` and
   * `loadBalancerUrl` are then `undefined`.
   * @default true
   */
  readonly loadBalancer?: boolean;
  /** Name of the ClusterIP Service (clients use `<serviceName>.<namespace>.svc.cluster.local`). @default "faktory" */
  readonly serviceName?: string;
  /** Lease, router and stop timings for the supervisor (enterprise). @default see LeaseSettings */
  readonly lease?: LeaseSettings;
  /** Liveness probe timings. @default see LivenessSettings */
  readonly liveness?: LivenessSettings;
  /**
   * Startup probe timings (open-source edition: its first Redis load can take minutes).
   * @default see StartupSettings
   */
  readonly startup?: StartupSettings;
  /** Pod grace period on deletion: must cover stopping Faktory and releasing the lease. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** NLB deregistration delay in seconds (short: routers hold clients during a failover). @default 15 */
  readonly deregistrationDelaySeconds?: number;
  /** Container resources. @default see ResourceSettings */
  readonly resources?: ResourceSettings;
  /** UID/GID the container runs as (non-root). @default 1000 */
  readonly runAsUser?: number;
  /** OSS only: size of the embedded Redis volume. @default "10Gi" */
  readonly storageSize?: pulumi.Input<string>;
  /** OSS only: storage class of that volume. @default the cluster's default class */
  readonly storageClassName?: pulumi.Input<string>;
  /** Extra labels on every object (never part of a selector). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Extra labels on the pods only (never part of a selector); the component's own labels
   * (`app.kubernetes.io/name|instance|component|part-of|managed-by`) are refused.
   * @default {}
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Extra annotations on the pods; keys the component sets (the Prometheus scrape annotations while
   * `monitoring.scrapeAnnotations` is on) are refused.
   * @default {}
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Node labels the pods must run on, e.g. `{ "karpenter.sh/nodepool": "jobs" }`. @default {} */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default [] */
  readonly tolerations?: readonly Toleration[];
  /**
   * Pod affinity. The pods are always spread over zones and hosts (topology spread constraints);
   * this adds to that. @default none
   */
  readonly affinity?: Affinity;
  /** PriorityClass of the pods (it must exist). @default none (the cluster's default priority) */
  readonly priorityClassName?: string;
  /**
   * Extra plain environment variables for the container. Names the component sets are refused:
   * `FAKTORY_HA_*` (the supervisor contract), `REDIS_URL`, `FAKTORY_PASSWORD`, `FAKTORY_LICENSE`.
   * @default []
   */
  readonly extraEnv?: readonly ExtraEnvVar[];
  /**
   * Extra Faktory conf.d files, file name → TOML text (e.g. `{ "throttles.toml": "…" }`), in the same
   * ConfigMap as `cron.toml` and `statsd.toml` (names refused here: set `cron`, `statsd`). Each text is
   * parsed up front; a change reaches Faktory by SIGHUP, without a restart.
   * @default {}
   */
  readonly extraConfFiles?: Readonly<Record<string, string>>;
  /**
   * Name of an existing Secret in the namespace (so `createNamespace` must be false) holding
   * `FAKTORY_PASSWORD` and, with enterprise, `FAKTORY_LICENSE`, plus `REDIS_URL` unless `redisUrl` is
   * given (the component then keeps only `REDIS_URL` in a Secret of its own). `password` and `license`
   * must not be given. The component reads the password from it for `inClusterUrl` and
   * `loadBalancerUrl`.
   * @default none: the component creates the Secret (and generates the password unless given)
   */
  readonly existingSecret?: string;
  /**
   * Prometheus and Grafana (enterprise: the supervisor serves `/metrics` on the health port):
   * scrape annotations on the pods, and optionally a PodMonitor, a PrometheusRule and a dashboard
   * ConfigMap.
   * @default { scrapeAnnotations: true } (annotations only; no custom resources, no dashboard)
   */
  readonly monitoring?: MonitoringSettings;
  /**
   * Encryption in transit (enterprise: the supervisors' routers serve it). With `mode` `optional` or
   * `required`: TLS on `port` (7429) and, with `webUi`, `webPort` (7430) on the Services and the NLB, a
   * peer TLS port between the pods, and the certificate from `secretName` (an existing kubernetes.io/tls
   * Secret) or `certManager` (a Certificate the component creates), mounted read-only. `required` closes
   * the plain 7419/7420; `inClusterUrl` and `loadBalancerUrl` then are `tcp+tls://` URLs.
   * @default undefined (TLS off: the plain ports only)
   */
  readonly tls?: TlsSettings;
}

/** Args only the open-source edition takes. */
type OssOnly = "storageSize" | "storageClassName" | "startup";
/** Args only Faktory Enterprise with the supervisor takes. */
type EnterpriseOnly =
  "secondaries" | "redisUrl" | "license" | "cron" | "statsd" | "lease" | "tls" | "scalerNamespaces";

/** Faktory Enterprise: `1 + secondaries` supervised pods sharing `redisUrl`. */
export interface EnterpriseFaktoryArgs extends Omit<FaktoryArgsBase, "edition" | OssOnly> {
  /** @default "enterprise" */
  readonly edition?: "enterprise";
  /** Not with enterprise: its data lives in `redisUrl`. */
  readonly storageSize?: never;
  /** Not with enterprise: its data lives in `redisUrl`. */
  readonly storageClassName?: never;
  /** Not with enterprise: the supervisor answers at once and its Faktory loads no Redis. */
  readonly startup?: never;
}

/** Open-source Faktory: one server with its embedded Redis on a volume; no standbys, no supervisor. */
export interface OssFaktoryArgs extends Omit<FaktoryArgsBase, "edition" | EnterpriseOnly> {
  readonly edition: "oss";
  /** Only 0: the OSS server keeps its Redis on its own volume. @default 0 */
  readonly secondaries?: 0;
  /** Not with oss: it runs its own Redis. */
  readonly redisUrl?: never;
  /** Not with oss. */
  readonly license?: never;
  /** Not with oss: cron needs Faktory Enterprise. */
  readonly cron?: never;
  /** Not with oss: statsd needs Faktory Enterprise. */
  readonly statsd?: never;
  /** Not with oss: there is no supervisor. */
  readonly lease?: never;
  /** Not with oss: the TLS ports are the supervisor's; open-source Faktory has none. */
  readonly tls?: never;
  /** Not with oss: the health port and its scaler endpoint are the supervisor's. */
  readonly scalerNamespaces?: never;
}

/**
 * The component's args: an enterprise or an oss shape, told apart by `edition`, so an arg the edition
 * cannot use does not type-check (the same rules are checked at run time for JavaScript callers).
 */
export type FaktoryArgs = EnterpriseFaktoryArgs | OssFaktoryArgs;
