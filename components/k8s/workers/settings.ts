// Defaults and up-front validation of the Workers component's args: every plain arg against its schema
// (args-schema.ts) and the rules between args, all reported at once before anything is created. Pure.
import { z } from "zod";
import { argsError, parseArg, throwIfProblems } from "../../arg-schema";
import { WORKER_TLS, type WorkerQueues } from "../../contract/worker";
import { resourcesProblems } from "../input-checks";
import type { ClientTls } from "../ports";
import type { ExtraEnvVar } from "../types";
import { workersArgsSchema } from "./args-schema";
import { WORKERS_DEFAULTS } from "./defaults";
import type { WorkersArgs } from "./types";

export const WORKERS_TYPE = "faktory-ha:k8s:Workers";

type Parsed = z.output<typeof workersArgsSchema>;

/** The plain args with their defaults; Inputs (image, namespace, resources, the connection's host) stay in the args. */
export interface WorkerSettings {
  readonly queues: WorkerQueues;
  readonly concurrency: number;
  readonly shutdownTimeoutSeconds: number;
  /** The client's shutdown timeout + WORKERS_DEFAULTS.shutdownMarginSeconds. */
  readonly terminationGracePeriodSeconds: number;
  /** Undefined with autoscaling: KEDA owns the count. */
  readonly replicas: number | undefined;
  readonly autoscaling: NonNullable<Parsed["autoscaling"]> | undefined;
  readonly maxUnavailable: number | string;
  readonly runAsUser: number;
  /** With `faktory` and a `namespace` of its own: the password is copied into a Secret there. */
  readonly copyPassword: boolean;
  /**
   * With a `faktory` serving TLS (`optional` or `required`): the TLS port the workers dial with `tcp+tls://`,
   * trusting `ca.crt` of its TLS Secret. Undefined with `connection`, or a Faktory with TLS off.
   */
  readonly faktoryTls: { readonly mode: "optional" | "required"; readonly port: number } | undefined;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly serviceAccountName: string | undefined;
  readonly imagePullSecrets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: NonNullable<WorkersArgs["tolerations"]>;
  readonly affinity: WorkersArgs["affinity"];
  readonly priorityClassName: string | undefined;
  readonly extraEnv: readonly ExtraEnvVar[];
}

// Its pods' and the ScaledObject's names derive from it, and it is the instance label's value.
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function nameProblems(name: string): string[] {
  return NAME.test(name)
    ? []
    : [
        `name=${JSON.stringify(name)} must be a DNS label of at most 63 characters (lowercase letters, digits, "-"): it names the Deployment, its pods' instance label and the ScaledObject`,
      ];
}

/** Where the Faktory is: a component of this stack or a connection, exactly one. */
function faktoryProblems(args: WorkersArgs): string[] {
  const { faktory, connection } = args as { faktory?: unknown; connection?: unknown };
  if (faktory !== undefined && connection !== undefined) {
    return [
      "faktory and connection must not both be given: give faktory for a Faktory component of this stack, connection for any other",
    ];
  }
  if (faktory === undefined && connection === undefined) {
    return [
      "faktory or connection is required: the Faktory component of this stack, or { host, passwordSecret } of another",
    ];
  }
  if (connection !== undefined && args.namespace === undefined) {
    return [
      "namespace is required with connection: the workers' namespace, which holds connection.passwordSecret",
    ];
  }
  return [];
}

/** KEDA owns the replica count, and reads a scaler endpoint only the faktory-ha supervisors serve. */
function autoscalingProblems(args: WorkersArgs): string[] {
  if (args.autoscaling === undefined) return [];
  const problems: string[] = [];
  if (args.replicas !== undefined) {
    problems.push(
      `replicas=${String(args.replicas)} must not be given with autoscaling: KEDA sets the replicas, from autoscaling.minReplicas to autoscaling.maxReplicas`,
    );
  }
  if ((args.faktory as { edition?: unknown } | undefined)?.edition === "oss") {
    problems.push(
      'autoscaling needs a Faktory with edition "enterprise": the scaler endpoint is served by the faktory-ha supervisors, which open-source Faktory runs without',
    );
  }
  if (args.connection !== undefined && args.connection.scalerUrl === undefined) {
    problems.push(
      'connection.scalerUrl is required with autoscaling: the faktory-ha scaler endpoint, e.g. "http://faktory.jobs.svc.cluster.local:7421/scaler"',
    );
  }
  return problems;
}

/** The TLS a `faktory` serves: its mode and port, or undefined with TLS off (or no Faktory component). */
function faktoryTlsOf(args: WorkersArgs): WorkerSettings["faktoryTls"] {
  // A JavaScript caller's `faktory` may be anything: the schema refuses it, and this reads it defensively.
  const tls = (args.faktory as { clientTls?: ClientTls } | undefined)?.clientTls;
  return tls === undefined || tls.mode === "off" ? undefined : { mode: tls.mode, port: tls.port };
}

/**
 * A Faktory serving TLS, with the workers in another namespace: refused. The workers trust `ca.crt` of the
 * Faktory's TLS Secret, mounted from the Faktory's namespace; a pod mounts Secrets of its own namespace only.
 * The component does not copy the CA there: the Kubernetes API returns a Secret whole, so reading `ca.crt`
 * reads `tls.key` too, into this program and its state, and a copy would not follow a renewal. `namespace`
 * given counts as another namespace, as for the password copy (an Input cannot be compared before anything
 * is created). With `optional` too: falling back to plain `tcp://` would send the password in clear text
 * where the Faktory offers TLS.
 */
function faktoryTlsProblems(args: WorkersArgs): string[] {
  const tls = faktoryTlsOf(args);
  if (tls === undefined || args.namespace === undefined) return [];
  const given = typeof args.namespace === "string" ? JSON.stringify(args.namespace) : "(an Output)";
  return [
    `namespace=${given} must be left out with faktory, whose tls.mode is "${tls.mode}": the workers dial tcp+tls:// on port ${tls.port} and trust ca.crt of the Faktory's TLS Secret (tlsSecretName), which pods of another namespace cannot mount, and the component does not copy it (reading that Secret reads its private key). Leave namespace out to run the workers in the Faktory's namespace, or pass connection instead of faktory, with tls.caSecret naming a Secret of the workers' namespace that holds the CA (and host, port ${tls.port}, passwordSecret, scalerUrl)`,
  ];
}

/** With a TLS CA the component also sets the variables the clients read it from. */
function tlsEnvProblems(args: WorkersArgs): string[] {
  const source =
    args.connection?.tls?.caSecret !== undefined
      ? "connection.tls.caSecret"
      : faktoryTlsOf(args) !== undefined
        ? "a faktory serving TLS"
        : undefined;
  if (source === undefined) return [];
  const own: string[] = [WORKER_TLS.certFileEnv, WORKER_TLS.nodeExtraCaEnv];
  return (args.extraEnv ?? []).flatMap((e, i) =>
    own.includes(e.name)
      ? [
          `extraEnv[${i}].name=${JSON.stringify(e.name)} is set by the component with ${source} (${own.join(", ")} name the mounted CA)`,
        ]
      : [],
  );
}

function withDefaults(args: WorkersArgs, parsed: Parsed): WorkerSettings {
  const shutdownTimeoutSeconds = parsed.shutdownTimeoutSeconds;
  return {
    queues: parsed.queues as WorkerQueues,
    concurrency: parsed.concurrency,
    shutdownTimeoutSeconds,
    terminationGracePeriodSeconds: shutdownTimeoutSeconds + WORKERS_DEFAULTS.shutdownMarginSeconds,
    replicas: parsed.autoscaling ? undefined : (parsed.replicas ?? WORKERS_DEFAULTS.replicas),
    autoscaling: parsed.autoscaling,
    maxUnavailable: parsed.maxUnavailable as number | string,
    runAsUser: parsed.runAsUser,
    copyPassword: args.faktory !== undefined && args.namespace !== undefined,
    faktoryTls: faktoryTlsOf(args),
    command: parsed.command,
    args: parsed.args,
    serviceAccountName: parsed.serviceAccountName,
    imagePullSecrets: parsed.imagePullSecrets ?? [],
    labels: parsed.labels ?? {},
    podLabels: parsed.podLabels ?? {},
    podAnnotations: parsed.podAnnotations ?? {},
    nodeSelector: parsed.nodeSelector ?? {},
    tolerations: args.tolerations ?? [],
    affinity: args.affinity,
    priorityClassName: parsed.priorityClassName,
    extraEnv: parsed.extraEnv ?? [],
  };
}

/** Applies the defaults and checks every plain arg; throws one error listing every problem found. */
export function resolveWorkerSettings(name: string, given: WorkersArgs): WorkerSettings {
  // A JavaScript caller may pass nothing at all.
  const args = given ?? ({} as WorkersArgs);
  const parsed = parseArg([], workersArgsSchema, args);
  const problems = [
    ...nameProblems(name),
    ...(parsed.ok ? [] : parsed.problems),
    ...resourcesProblems(args.resources),
    ...faktoryProblems(args),
    ...autoscalingProblems(args),
    ...faktoryTlsProblems(args),
    ...tlsEnvProblems(args),
  ];
  if (!parsed.ok) throw argsError(WORKERS_TYPE, name, problems);
  throwIfProblems(WORKERS_TYPE, name, problems);
  return withDefaults(args, parsed.value);
}
