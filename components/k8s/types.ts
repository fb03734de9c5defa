import type * as pulumi from "@pulumi/pulumi";
import type { CronJob } from "../cron/types";
import type { MonitoringSettings } from "./monitoring/types";

export type FaktoryEdition = "enterprise" | "oss";

/** Credentials for the registry that serves the Faktory Enterprise (or HA) image. */
export interface RegistryCredentials {
  /** Registry host, e.g. `docker.contribsys.com`. */
  readonly server: pulumi.Input<string>;
  readonly username: pulumi.Input<string>;
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

/** Lease and router timings handed to the supervisor (issue 3). Plain numbers: validated up front. */
export interface LeaseSettings {
  /** Lease time-to-live in ms. @default 10000 */
  readonly ttlMs?: number;
  /** How often the primary renews, in ms. @default 1500 */
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
  /** Bound on stopping Faktory (TERM, then KILL), in ms; renewDeadline + this must be < ttl. @default 2000 */
  readonly stopTimeoutMs?: number;
  /** Redis key prefix of the lease; distinct per Faktory sharing a Redis. @default "faktory-ha" */
  readonly keyPrefix?: string;
}

/** Liveness probe timings. Plain numbers: checked against the lease ttl before anything is created. */
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

export interface ResourceSettings {
  /** @default { cpu: "250m", memory: "512Mi" } */
  readonly requests?: pulumi.Input<{ readonly cpu?: string; readonly memory?: string }>;
  /** @default { cpu: "2", memory: "1Gi" } */
  readonly limits?: pulumi.Input<{ readonly cpu?: string; readonly memory?: string }>;
}

export interface FaktoryArgs {
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
  /** `redis://` or `rediss://` URL with its password (secret). Required with enterprise; unused with oss. */
  readonly redisUrl?: pulumi.Input<string>;
  /** Faktory password clients use. @default a generated 32-character password */
  readonly password?: pulumi.Input<string>;
  /** Faktory Enterprise license. Required with enterprise. */
  readonly license?: pulumi.Input<string>;
  /** Pull credentials for the image's registry; creates a dockerconfigjson Secret. @default none */
  readonly registryCredentials?: RegistryCredentials;
  /** Cron jobs (Enterprise), rendered to `cron.toml`. @default [] */
  readonly cron?: readonly CronJob[];
  /** statsd metrics (Enterprise), rendered to `statsd.toml`. @default none */
  readonly statsd?: StatsdSettings;
  /** Expose the web UI (7420) on the Services and admit it in the NetworkPolicy. @default false */
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
   * Prometheus and Grafana (enterprise: the supervisor serves `/metrics` on the health port):
   * scrape annotations on the pods, and optionally a PodMonitor, a PrometheusRule and a dashboard
   * ConfigMap.
   * @default { scrapeAnnotations: true } (annotations only; no custom resources, no dashboard)
   */
  readonly monitoring?: MonitoringSettings;
}
