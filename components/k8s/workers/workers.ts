// Resource wiring for `faktory-ha:k8s:Workers`. Every manifest comes from a pure builder in this directory;
// this file only resolves Inputs, creates the children and exposes the outputs.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TLS_FILES } from "../../contract/supervisor";
import { queueNames } from "../../contract/worker";
import { SECRET_KEYS } from "../constants";
import { imagePinningError } from "../image-pinning";
import { commonLabels } from "../labels";
import { WORKERS_DEFAULTS } from "./defaults";
import { buildWorkerDeployment, buildWorkerDisruptionBudget, WORKER_COMPONENT } from "./deployment";
import { buildWorkerEnv, type CaSecret, type SecretKey } from "./env";
import { buildScaledObject, inClusterScalerUrl, KEDA_API_VERSION } from "./scaled-object";
import { resolveWorkerSettings, WORKERS_TYPE, type WorkerSettings } from "./settings";
import type { WorkersArgs } from "./types";

type Manifest = Record<string, unknown>;
const metadataOf = (m: pulumi.Output<Manifest>) =>
  m.apply((o) => o.metadata as k8s.types.input.meta.v1.ObjectMeta);
const specOf = <T>(m: pulumi.Output<Manifest>) => m.apply((o) => o.spec as T);

/** Where the workers connect, resolved from `faktory` or `connection`. */
interface Target {
  readonly host: pulumi.Output<string>;
  readonly port: number;
  readonly tls: boolean;
  readonly caSecret: pulumi.Output<CaSecret | undefined>;
  readonly passwordSecret: pulumi.Output<SecretKey>;
  /** The scaler endpoint without a query; undefined without autoscaling. */
  readonly scalerUrl: pulumi.Output<string> | undefined;
}

/**
 * A user's worker image as a Deployment wired to a Faktory: FAKTORY_URL with the password from a Secret,
 * the queues, concurrency and shutdown timeout the client reads, a termination grace above that timeout,
 * a PodDisruptionBudget, the spread over zones and hosts, and optionally a KEDA ScaledObject that scales
 * the workers on their queues' latency and/or backlog, from zero.
 *
 * Pass the Kubernetes provider as `opts.provider` (or in `opts.providers`): every child is created with
 * `parent: this`, so it inherits it.
 */
export class Workers extends pulumi.ComponentResource {
  /** The workers' namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The Deployment's name. */
  public readonly deploymentName: pulumi.Output<string>;
  /** The ScaledObject's name; `undefined` without `autoscaling`. */
  public readonly scaledObjectName: pulumi.Output<string | undefined>;

  private readonly settings: WorkerSettings;

  constructor(
    private readonly instance: string,
    private readonly args: WorkersArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(WORKERS_TYPE, instance, {}, opts);
    // Defaults and every plain-arg check, before any child exists.
    this.settings = resolveWorkerSettings(instance, args);

    const namespace = pulumi.output(args.namespace ?? args.faktory?.namespace ?? "");
    const target = this.target(namespace);
    const deployment = this.createDeployment(namespace, target);
    this.createDisruptionBudget(namespace);
    const scaledObject = this.createScaledObject(namespace, target, deployment);

    this.namespace = namespace;
    this.deploymentName = deployment.metadata.name;
    this.scaledObjectName = scaledObject ? scaledObject.metadata.name : pulumi.output(undefined);
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      scaledObjectName: this.scaledObjectName,
    });
  }

  /** Children are `<name>-<role>`, parented to the component (and so on its provider). */
  private child(): pulumi.CustomResourceOptions {
    return { parent: this };
  }

  private target(namespace: pulumi.Output<string>): Target {
    const { faktory, connection } = this.args;
    const autoscaled = this.settings.autoscaling !== undefined;
    if (connection !== undefined) {
      const tls = connection.tls !== undefined;
      return {
        host: pulumi.output(connection.host),
        port: connection.port ?? (tls ? WORKERS_DEFAULTS.tlsPort : WORKERS_DEFAULTS.port),
        tls,
        caSecret: pulumi.output(connection.tls?.caSecret),
        passwordSecret: pulumi.output(connection.passwordSecret),
        scalerUrl:
          autoscaled && connection.scalerUrl !== undefined ? pulumi.output(connection.scalerUrl) : undefined,
      };
    }
    // resolveWorkerSettings checked that exactly one of the two is given.
    const f = faktory as NonNullable<typeof faktory>;
    const key = SECRET_KEYS.password;
    // A Faktory serving TLS: its TLS port, even with `optional` (TLS preferred); the CA from its TLS Secret,
    // in its namespace, which is the workers' (resolveWorkerSettings refused another). The scaler endpoint
    // stays on the plain health port: the supervisors serve health over HTTP whatever the TLS mode.
    const tls = this.settings.faktoryTls;
    return {
      host: pulumi.interpolate`${f.serviceName}.${f.namespace}.svc.cluster.local`,
      port: tls ? tls.port : WORKERS_DEFAULTS.port,
      tls: tls !== undefined,
      caSecret: tls
        ? f.tlsSecretName.apply((name) =>
            name === undefined ? undefined : { name, key: TLS_FILES.ca, optional: true },
          )
        : pulumi.output(undefined),
      passwordSecret: this.settings.copyPassword
        ? this.copyPassword(namespace, f.password).apply((name) => ({ name, key }))
        : f.passwordSecretName.apply((name) => ({ name, key })),
      scalerUrl: autoscaled
        ? pulumi.all([f.serviceName, f.namespace]).apply(([svc, ns]) => inClusterScalerUrl(svc, ns))
        : undefined,
    };
  }

  /**
   * The Faktory's password in a Secret of the workers' namespace (a pod reads only its own namespace's
   * Secrets). Auto-named, from the Faktory's password output: a changed password is a new Secret name in
   * the pod template, which rolls the workers onto it; Pulumi deletes the old copy after.
   */
  private copyPassword(
    namespace: pulumi.Output<string>,
    password: pulumi.Output<string>,
  ): pulumi.Output<string> {
    return new k8s.core.v1.Secret(
      `${this.instance}-password`,
      {
        metadata: {
          namespace,
          labels: commonLabels(
            { instance: this.instance, component: WORKER_COMPONENT },
            this.settings.labels,
          ),
        },
        type: "Opaque",
        stringData: { [SECRET_KEYS.password]: pulumi.secret(password) },
      },
      this.child(),
    ).metadata.name;
  }

  /** The Deployment, once its Inputs (namespace, image, host, Secret name, resources) are known. */
  private createDeployment(namespace: pulumi.Output<string>, target: Target): k8s.apps.v1.Deployment {
    const { args, settings, instance } = this;
    const manifest = pulumi
      .all([
        namespace,
        args.image,
        target.host,
        target.passwordSecret,
        target.caSecret,
        args.resources?.requests ?? WORKERS_DEFAULTS.requests,
        args.resources?.limits ?? WORKERS_DEFAULTS.limits,
      ])
      .apply(([ns, image, host, passwordSecret, caSecret, requests, limits]) => {
        // A plain image was checked up front; an Output is checked here, once known.
        const error = imagePinningError(image);
        if (error) throw new Error(error);
        return buildWorkerDeployment({
          name: instance,
          namespace: ns,
          instance,
          image,
          ...(settings.command ? { command: settings.command } : {}),
          ...(settings.args ? { args: settings.args } : {}),
          env: buildWorkerEnv({
            host,
            port: target.port,
            tls: target.tls,
            caMounted: caSecret !== undefined,
            passwordSecret,
            queues: settings.queues,
            concurrency: settings.concurrency,
            shutdownTimeoutSeconds: settings.shutdownTimeoutSeconds,
            extraEnv: settings.extraEnv,
          }),
          ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
          terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
          resources: { requests: { ...requests }, limits: { ...limits } },
          runAsUser: settings.runAsUser,
          ...(settings.serviceAccountName !== undefined
            ? { serviceAccountName: settings.serviceAccountName }
            : {}),
          imagePullSecrets: settings.imagePullSecrets,
          ...(caSecret ? { caSecret } : {}),
          labels: settings.labels,
          podLabels: settings.podLabels,
          podAnnotations: settings.podAnnotations,
          nodeSelector: settings.nodeSelector,
          tolerations: settings.tolerations,
          ...(settings.affinity ? { affinity: settings.affinity } : {}),
          ...(settings.priorityClassName !== undefined
            ? { priorityClassName: settings.priorityClassName }
            : {}),
        });
      });
    // With a Faktory serving TLS, after every child of it: its CA mount is optional (a publicly trusted
    // certificate's Secret has no ca.crt), so a pod started before cert-manager wrote the Secret would run
    // without the CA; the Faktory's StatefulSet waits for the Certificate, so once it exists the Secret does.
    const dependsOn = settings.faktoryTls && args.faktory ? [args.faktory] : [];
    return new k8s.apps.v1.Deployment(
      `${instance}-deployment`,
      { metadata: metadataOf(manifest), spec: specOf<k8s.types.input.apps.v1.DeploymentSpec>(manifest) },
      { ...this.child(), dependsOn },
    );
  }

  private createDisruptionBudget(namespace: pulumi.Output<string>): void {
    const { instance, settings } = this;
    const pdb = namespace.apply((ns) =>
      buildWorkerDisruptionBudget({
        name: instance,
        namespace: ns,
        instance,
        maxUnavailable: settings.maxUnavailable,
        labels: settings.labels,
      }),
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${instance}-pdb`,
      { metadata: metadataOf(pdb), spec: specOf<k8s.types.input.policy.v1.PodDisruptionBudgetSpec>(pdb) },
      this.child(),
    );
  }

  /** The KEDA ScaledObject, with `autoscaling` (KEDA's CRDs must be installed). */
  private createScaledObject(
    namespace: pulumi.Output<string>,
    target: Target,
    deployment: k8s.apps.v1.Deployment,
  ): k8s.apiextensions.CustomResource | undefined {
    const { instance, settings } = this;
    const autoscaling = settings.autoscaling;
    if (autoscaling === undefined || target.scalerUrl === undefined) return undefined;
    const manifest = pulumi
      .all([namespace, deployment.metadata.name, target.scalerUrl])
      .apply(([ns, deploymentName, scalerUrl]) =>
        buildScaledObject({
          name: instance,
          namespace: ns,
          instance,
          deploymentName,
          scalerUrl,
          queues: queueNames(settings.queues),
          autoscaling,
          labels: settings.labels,
        }),
      );
    return new k8s.apiextensions.CustomResource(
      `${instance}-scaled-object`,
      {
        // The same values the builder writes; the SDK needs them as plain strings.
        apiVersion: KEDA_API_VERSION,
        kind: "ScaledObject",
        metadata: metadataOf(manifest),
        spec: manifest.apply((m) => m.spec),
      },
      { ...this.child(), dependsOn: [deployment] },
    );
  }
}
