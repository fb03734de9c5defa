// Resource wiring for `faktory-ha:k8s:Faktory`. Every manifest comes from a pure builder in this
// directory; this file only resolves Inputs, creates the children and exposes the outputs.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { renderCronToml } from "../cron";
import { renderStatsdToml } from "./confd";
import { SECRET_KEYS, PORTS } from "./constants";
import { buildEnv } from "./env";
import { commonLabels } from "./labels";
import { scrapeAnnotations } from "./monitoring/manifests";
import { createMonitoringResources } from "./monitoring/resources";
import { buildNetworkPolicy } from "./network-policy";
import { buildClusterService, buildNlbService, buildPodDisruptionBudget } from "./services";
import { DEFAULTS, existingSecretKeys, imagePinningError, resolveSettings } from "./settings";
import type { FaktoryArgs } from "./types";
import { buildStatefulSet } from "./workload";

type Manifest = Record<string, unknown>;
const metadataOf = (m: pulumi.Output<Manifest>) =>
  m.apply((o) => o.metadata as k8s.types.input.meta.v1.ObjectMeta);
const specOf = <T>(m: pulumi.Output<Manifest>) => m.apply((o) => o.spec as T);

/**
 * Faktory on Kubernetes: one StatefulSet of `1 + secondaries` supervised pods (enterprise) or one
 * OSS server with its embedded Redis on a volume (oss), behind a ClusterIP Service and an internal
 * NLB (optional: `loadBalancer`), with its Secret, conf.d ConfigMap, PodDisruptionBudget and NetworkPolicy.
 *
 * Pass the Kubernetes provider as `opts.provider` (or in `opts.providers`): every child is created
 * with `parent: this`, so it inherits that provider. Give that provider `enableConfigMapMutable: true`
 * so a conf.d change (cron, statsd) is an in-place update; without it the provider replaces the
 * ConfigMap (deleted, then created under the same name), which the pods also pick up without a restart.
 */
export class Faktory extends pulumi.ComponentResource {
  /** The namespace everything lives in. */
  public readonly namespace: pulumi.Output<string>;
  /** The ClusterIP Service's name. */
  public readonly serviceName: pulumi.Output<string>;
  /** `tcp://:<password>@<service>.<namespace>.svc.cluster.local:7419` (secret). */
  public readonly inClusterUrl: pulumi.Output<string>;
  /** The internal NLB's DNS name, from the Service status; `undefined` with `loadBalancer: false`. */
  public readonly loadBalancerHostname: pulumi.Output<string | undefined>;
  /** `tcp://:<password>@<nlb hostname>:7419` (secret); `undefined` with `loadBalancer: false`. */
  public readonly loadBalancerUrl: pulumi.Output<string | undefined>;
  /** The NLB Service's name (for alarms on the NLB); `undefined` with `loadBalancer: false`. */
  public readonly loadBalancerServiceName: pulumi.Output<string | undefined>;
  /** The Faktory password (secret). */
  public readonly password: pulumi.Output<string>;

  constructor(name: string, args: FaktoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("faktory-ha:k8s:Faktory", name, {}, opts);

    // Defaults and every plain-arg check, before any child exists.
    const settings = resolveSettings(name, args);
    const { edition, webUi } = settings;
    if (typeof args.image === "string") {
      const error = imagePinningError(args.image);
      if (error) throw new pulumi.ResourceError(error, this);
    }
    const extraLabels = args.labels ?? {};
    const labels = commonLabels({ instance: name }, extraLabels);
    const allowedNamespaces = args.allowedNamespaces ?? [];
    const allowedCidrs = args.allowedCidrs ?? args.vpcCidrs;
    const requests = args.resources?.requests ?? DEFAULTS.requests;
    const limits = args.resources?.limits ?? DEFAULTS.limits;
    const storageSize = args.storageSize ?? DEFAULTS.storageSize;
    const cronToml = args.cron && args.cron.length > 0 ? renderCronToml(args.cron) : undefined;
    const statsdToml = args.statsd ? renderStatsdToml(args.statsd) : undefined;
    const child = { parent: this };

    const namespaceResource = settings.createNamespace
      ? new k8s.core.v1.Namespace(
          `${name}-namespace`,
          {
            metadata: {
              name: args.namespace ?? name,
              // The AWS Load Balancer Controller then gates pod readiness on NLB registration, so a
              // rolling update never takes a pod down before its replacement receives traffic.
              labels: { ...labels, "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" },
            },
          },
          child,
        )
      : undefined;
    const namespace = namespaceResource
      ? namespaceResource.metadata.name
      : pulumi.output(args.namespace ?? name);

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: { name, namespace, labels },
        // Neither the supervisor nor Faktory talks to the Kubernetes API.
        automountServiceAccountToken: false,
      },
      child,
    );

    // The password, license and (unless `redisUrl` is given) Redis URL come from the user's Secret
    // when `existingSecret` names one; the password is read back from it for the output URLs.
    const { existingSecret } = settings;
    let password: pulumi.Output<string>;
    if (existingSecret !== undefined) {
      const existing = k8s.core.v1.Secret.get(
        `${name}-existing-secret`,
        pulumi.interpolate`${namespace}/${existingSecret}`,
        child,
      );
      const required = existingSecretKeys(edition, args.redisUrl !== undefined);
      password = existing.data.apply((data) => {
        // No data: nothing was read (mocks, the offline plan); the URLs then carry no password.
        if (data === undefined) return "";
        const missing = required.filter((key) => data[key] === undefined);
        if (missing.length > 0) {
          throw new Error(
            `existingSecret "${existingSecret}" has no ${missing.join(", ")}: it must hold ${required.join(", ")}`,
          );
        }
        return Buffer.from(data[SECRET_KEYS.password], "base64").toString("utf8");
      });
    } else {
      password =
        args.password !== undefined
          ? pulumi.output(args.password)
          : new random.RandomPassword(
              `${name}-password`,
              // Letters and digits only: the password goes into `tcp://:<password>@host` URLs.
              { length: DEFAULTS.passwordLength, special: false },
              child,
            ).result;
    }
    password = pulumi.secret(password);
    const redisUrl: Record<string, pulumi.Input<string>> = edition === "enterprise" &&
    args.redisUrl !== undefined
      ? { [SECRET_KEYS.redisUrl]: args.redisUrl }
      : {};
    // Auto-named on purpose: env from a Secret is read at container start, so a changed value must
    // reach the pods as a new Secret name in the pod template, which rolls them one by one. Pulumi
    // creates the new Secret before the StatefulSet moves to it and deletes the old one after.
    const ownSecret = (values: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${name}-secret`,
        {
          metadata: { namespace, labels },
          type: "Opaque",
          stringData: pulumi.secret(pulumi.all(values)),
        },
        child,
      );
    let secret: k8s.core.v1.Secret | undefined;
    let secretName: pulumi.Input<string>;
    let redisUrlSecretName: pulumi.Input<string>;
    if (existingSecret === undefined) {
      secret = ownSecret({
        [SECRET_KEYS.password]: password,
        ...redisUrl,
        ...(edition === "enterprise" && args.license !== undefined
          ? { [SECRET_KEYS.license]: args.license }
          : {}),
      });
      secretName = redisUrlSecretName = secret.metadata.name;
    } else {
      // Only a given `redisUrl` needs a Secret of the component's; the rest is in the user's.
      secret = Object.keys(redisUrl).length > 0 ? ownSecret(redisUrl) : undefined;
      secretName = existingSecret;
      redisUrlSecretName = secret?.metadata.name ?? existingSecret;
    }

    let pullSecretName: pulumi.Output<string> | undefined;
    if (args.registryCredentials) {
      const creds = args.registryCredentials;
      const dockerConfig = pulumi
        .all([creds.server, creds.username, creds.password])
        .apply(([server, username, pw]) =>
          JSON.stringify({
            auths: {
              [server]: { username, password: pw, auth: Buffer.from(`${username}:${pw}`).toString("base64") },
            },
          }),
        );
      pullSecretName = new k8s.core.v1.Secret(
        `${name}-registry`,
        {
          metadata: { namespace, labels },
          type: "kubernetes.io/dockerconfigjson",
          stringData: { ".dockerconfigjson": pulumi.secret(dockerConfig) },
        },
        child,
      ).metadata.name;
    }

    // A fixed name and no checksum annotation: a change is written to the same ConfigMap, kubelet
    // refreshes the mounted directory, and the supervisor sends Faktory a SIGHUP; no pod restarts.
    const configMapName = `${name}-conf-d`;
    const confd: Record<string, string> = {};
    if (cronToml !== undefined) confd["cron.toml"] = cronToml;
    if (statsdToml !== undefined) confd["statsd.toml"] = statsdToml;
    Object.assign(confd, settings.extraConfFiles);
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-conf-d`,
      { metadata: { name: configMapName, namespace, labels }, data: confd },
      // The provider replaces a ConfigMap on data change unless `enableConfigMapMutable` is set on
      // it; with a fixed name that replacement must delete first. The pods are not restarted.
      { ...child, deleteBeforeReplace: true },
    );

    const statefulSet = pulumi
      .all([
        namespace,
        args.image,
        requests,
        limits,
        storageSize,
        args.storageClassName,
        pulumi.all([secretName, redisUrlSecretName]),
        pullSecretName,
      ])
      .apply(
        ([ns, image, req, lim, size, storageClassName, [secretRef, redisUrlSecretRef], pullSecretRef]) => {
          const error = imagePinningError(image);
          if (error) throw new Error(error);
          const manifest = buildStatefulSet({
            name,
            namespace: ns,
            instance: name,
            edition,
            replicas: settings.replicas,
            image,
            env: buildEnv({
              edition,
              secretName: secretRef,
              redisUrlSecretName: redisUrlSecretRef,
              lease: settings.lease,
              extraEnv: settings.extraEnv,
            }),
            serviceName: settings.serviceName,
            serviceAccountName: name,
            configMapName,
            imagePullSecretName: pullSecretRef,
            liveness: settings.liveness,
            readiness: DEFAULTS.readiness,
            terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
            resources: { requests: { ...req }, limits: { ...lim } },
            runAsUser: settings.runAsUser,
            storage: { size, storageClassName },
            labels: extraLabels,
            podLabels: settings.podLabels,
            podAnnotations: {
              ...settings.podAnnotations,
              ...scrapeAnnotations(settings.monitoring.scrapeAnnotations),
            },
            nodeSelector: settings.nodeSelector,
            tolerations: settings.tolerations,
            affinity: settings.affinity,
            priorityClassName: settings.priorityClassName,
          });
          return manifest;
        },
      );
    const workload = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: metadataOf(statefulSet),
        spec: specOf<k8s.types.input.apps.v1.StatefulSetSpec>(statefulSet),
      },
      // Never two workloads at once: a replacement (an immutable field changed) deletes first.
      {
        ...child,
        deleteBeforeReplace: true,
        dependsOn: [...(secret ? [secret] : []), configMap, serviceAccount],
      },
    );

    const serviceInput = { instance: name, webUi, labels: extraLabels };
    const clusterService = new k8s.core.v1.Service(
      `${name}-service`,
      (() => {
        const m = namespace.apply((ns) =>
          buildClusterService({ ...serviceInput, name: settings.serviceName, namespace: ns }),
        );
        return { metadata: metadataOf(m), spec: specOf<k8s.types.input.core.v1.ServiceSpec>(m) };
      })(),
      child,
    );
    const nlbService =
      (args.loadBalancer ?? DEFAULTS.loadBalancer)
        ? new k8s.core.v1.Service(
            `${name}-nlb`,
            (() => {
              const m = namespace.apply((ns) =>
                buildNlbService({
                  ...serviceInput,
                  name: `${settings.serviceName}-nlb`,
                  namespace: ns,
                  edition,
                  deregistrationDelaySeconds: settings.deregistrationDelaySeconds,
                }),
              );
              return { metadata: metadataOf(m), spec: specOf<k8s.types.input.core.v1.ServiceSpec>(m) };
            })(),
            { ...child, dependsOn: [workload] },
          )
        : undefined;

    const pdb = namespace.apply((ns) =>
      buildPodDisruptionBudget({ name, namespace: ns, instance: name, labels: extraLabels }),
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: metadataOf(pdb), spec: specOf<k8s.types.input.policy.v1.PodDisruptionBudgetSpec>(pdb) },
      child,
    );

    const networkPolicy = pulumi
      .all([namespace, allowedNamespaces, allowedCidrs, args.vpcCidrs])
      .apply(([ns, namespaces, allowed, vpc]) =>
        buildNetworkPolicy({
          name,
          namespace: ns,
          instance: name,
          edition,
          webUi,
          allowedNamespaces: namespaces,
          allowedCidrs: allowed,
          vpcCidrs: vpc,
          labels: extraLabels,
        }),
      );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: metadataOf(networkPolicy),
        spec: specOf<k8s.types.input.networking.v1.NetworkPolicySpec>(networkPolicy),
      },
      child,
    );

    // PodMonitor, PrometheusRule, dashboard ConfigMap: only those `monitoring` asks for.
    createMonitoringResources(
      {
        name,
        namespace,
        monitoring: settings.monitoring,
        labels: extraLabels,
        dependsOn: namespaceResource ? [namespaceResource] : [],
      },
      this,
    );

    this.namespace = namespace;
    this.serviceName = clusterService.metadata.name;
    this.password = pulumi.secret(password);
    this.inClusterUrl = pulumi.secret(
      pulumi.interpolate`tcp://:${password}@${clusterService.metadata.name}.${namespace}.svc.cluster.local:${PORTS.faktory}`,
    );
    if (nlbService) {
      const hostname = nlbService.status.apply(
        (status) => status?.loadBalancer?.ingress?.[0]?.hostname ?? "",
      );
      this.loadBalancerHostname = hostname;
      this.loadBalancerServiceName = nlbService.metadata.name;
      this.loadBalancerUrl = pulumi.secret(
        pulumi.interpolate`tcp://:${password}@${hostname}:${PORTS.faktory}`,
      );
    } else {
      this.loadBalancerHostname = pulumi.output(undefined);
      this.loadBalancerServiceName = pulumi.output(undefined);
      this.loadBalancerUrl = pulumi.output(undefined);
    }
    this.registerOutputs({
      namespace: this.namespace,
      serviceName: this.serviceName,
      inClusterUrl: this.inClusterUrl,
      loadBalancerHostname: this.loadBalancerHostname,
      loadBalancerUrl: this.loadBalancerUrl,
      loadBalancerServiceName: this.loadBalancerServiceName,
      password: this.password,
    });
  }
}
