import type * as pulumi from "@pulumi/pulumi";
import type { WorkerQueues } from "../../contract/worker";
import type { Faktory } from "../faktory";
import type { EnterpriseFaktoryArgs, ExtraEnvVar } from "../types";

export type { WorkerQueues } from "../../contract/worker";

/** A key of a Secret in the workers' namespace. */
export interface SecretKeySelector {
  /** The Secret's name (an auto-named Secret's `metadata.name`: a new name rolls the workers onto it). */
  readonly name: pulumi.Input<string>;
  /** The key holding the value. */
  readonly key: string;
}

/** TLS to the Faktory: `tcp+tls://` in FAKTORY_URL. */
export interface WorkerTlsSettings {
  /**
   * A PEM CA that signed the server's certificate, mounted at `/etc/faktory-worker/tls/ca.crt` and named
   * by `SSL_CERT_FILE` (Go, Ruby) and `NODE_EXTRA_CA_CERTS` (Node).
   * @default none: the image's own trusted roots
   */
  readonly caSecret?: SecretKeySelector;
}

/** A Faktory this stack did not create (another stack's, a managed one): where it is and how to log in. */
export interface ExternalFaktory {
  /** Host name or address the workers connect to, e.g. `faktory.jobs.svc.cluster.local`. */
  readonly host: pulumi.Input<string>;
  /** @default 7419, or 7429 (faktory-ha's TLS port) with `tls` */
  readonly port?: number;
  /**
   * The Secret key in the workers' namespace holding the Faktory password. It goes into the URL as is,
   * so it must be URL-safe (letters, digits, `-._~`), as the passwords faktory-ha generates are.
   */
  readonly passwordSecret: SecretKeySelector;
  /** @default none: plain `tcp://` */
  readonly tls?: WorkerTlsSettings;
  /**
   * faktory-ha's scaler endpoint, e.g. `http://faktory.jobs.svc.cluster.local:7421/scaler` (the component
   * appends `?queues=…`). Required with `autoscaling`.
   * @default none
   */
  readonly scalerUrl?: pulumi.Input<string>;
}

/**
 * Autoscaling through KEDA (its CRDs must be installed): a ScaledObject whose `metrics-api` triggers read the
 * faktory-ha supervisors' scaler endpoint for the workers' queues. At least one target.
 */
export interface WorkerAutoscaling {
  /**
   * Age of the oldest waiting job the workers should keep to, in seconds (KEDA metricType `Value`: replicas
   * grow with latency / target).
   * @default none (then targetBacklogPerReplica is required)
   */
  readonly targetLatencySeconds?: number;
  /**
   * Jobs waiting per replica (KEDA metricType `AverageValue`: replicas = backlog / target), e.g. the
   * concurrency.
   * @default none (then targetLatencySeconds is required)
   */
  readonly targetBacklogPerReplica?: number;
  /** Latency above which the workers scale up from zero, in seconds (below targetLatencySeconds). @default 0 */
  readonly activationLatencySeconds?: number;
  /** Waiting jobs above which the workers scale up from zero. @default 0 */
  readonly activationBacklog?: number;
  /** 0 lets the workers scale to zero when the queues are idle. @default 0 */
  readonly minReplicas?: number;
  /** @default 10 */
  readonly maxReplicas?: number;
  /** Seconds of an idle signal before the last replica goes (scale to zero only). @default 300 */
  readonly cooldownSeconds?: number;
  /** How often KEDA asks the endpoint whether to scale from or to zero, in seconds. @default 15 */
  readonly pollingIntervalSeconds?: number;
  /**
   * The horizontal pod autoscaler scales down to the highest recommendation of this window, so a burst
   * that drains does not flap the replicas.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/** The pod args the Faktory component takes too: the same types, rules and defaults. */
type SharedPodArgs =
  | "resources"
  | "runAsUser"
  | "labels"
  | "podLabels"
  | "nodeSelector"
  | "tolerations"
  | "affinity"
  | "priorityClassName";

/** Every arg but where the Faktory is (see WorkersArgs). */
interface WorkersArgsBase extends Pick<EnterpriseFaktoryArgs, SharedPodArgs> {
  /** The worker image, pinned by tag (not `latest`) or digest. */
  readonly image: pulumi.Input<string>;
  /** The container's command (its entrypoint). @default the image's ENTRYPOINT */
  readonly command?: readonly string[];
  /** The container's arguments. @default the image's CMD */
  readonly args?: readonly string[];
  /**
   * The queues to fetch from, in FAKTORY_QUEUES: names in strict priority order (`["critical", "default"]`
   * → `critical,default`) or name → weight for weighted random (`{ critical: 3, default: 1 }` →
   * `critical:3,default:1`). Up to 50; autoscaling reads the same queues.
   * @default ["default"]
   */
  readonly queues?: WorkerQueues;
  /** Jobs one worker process runs at once (FAKTORY_CONCURRENCY). @default 20 */
  readonly concurrency?: number;
  /**
   * How long the client waits for running jobs after SIGTERM before it FAILs them back for a retry, in
   * seconds (FAKTORY_SHUTDOWN_TIMEOUT; faktory-worker's own default is 8, Go's and Ruby's 25). The pods'
   * terminationGracePeriodSeconds is this + 10.
   * @default 25
   */
  readonly shutdownTimeoutSeconds?: number;
  /** Replicas without `autoscaling` (with it, KEDA owns the count). @default 2 */
  readonly replicas?: number;
  /** KEDA autoscaling on the queues' latency and/or backlog. @default none (a fixed `replicas`) */
  readonly autoscaling?: WorkerAutoscaling;
  /** The PodDisruptionBudget's maxUnavailable: a count ≥ 1 or a percentage. @default "25%" */
  readonly maxUnavailable?: number | string;
  /**
   * A ServiceAccount of the namespace (e.g. one bound to an IAM role). @default the namespace's default,
   * without its token mounted
   */
  readonly serviceAccountName?: string;
  /** Pull Secrets of the namespace for the image's registry. @default [] */
  readonly imagePullSecrets?: readonly string[];
  /** Extra annotations on the pods. @default {} */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * Extra plain environment variables. The names the component sets are refused: FAKTORY_URL,
   * FAKTORY_PASSWORD, FAKTORY_QUEUES, FAKTORY_CONCURRENCY, FAKTORY_SHUTDOWN_TIMEOUT, FAKTORY_PROVIDER, and
   * with a TLS CA SSL_CERT_FILE and NODE_EXTRA_CA_CERTS.
   * @default []
   */
  readonly extraEnv?: readonly ExtraEnvVar[];
}

/** Workers of a Faktory component of this stack. */
export interface FaktoryWorkersArgs extends WorkersArgsBase {
  /** The Faktory the workers connect to (its Service, password and, for autoscaling, its scaler endpoint). */
  readonly faktory: Faktory;
  readonly connection?: never;
  /**
   * Namespace of the workers (it must exist). Given, the component copies the Faktory's password into a
   * Secret of its own there (a pod reads Secrets of its own namespace only); the Faktory's NetworkPolicy
   * must then admit it (`allowedNamespaces`).
   * @default the Faktory's namespace (its Secret is used as is)
   */
  readonly namespace?: pulumi.Input<string>;
}

/** Workers of a Faktory this stack did not create. */
export interface ExternalWorkersArgs extends WorkersArgsBase {
  readonly connection: ExternalFaktory;
  readonly faktory?: never;
  /** Namespace of the workers (it must exist and hold `connection.passwordSecret`). */
  readonly namespace: pulumi.Input<string>;
}

/** The args: `faktory` (a component of this stack) or `connection` (any other Faktory), never both. */
export type WorkersArgs = FaktoryWorkersArgs | ExternalWorkersArgs;
