// Resource wiring for `faktory-ha:k8s:Faktory`. Every manifest comes from a pure builder in this
// directory; this file only resolves Inputs, creates the children and exposes the outputs. The
// constructor reads as its list of steps; each step creates one kind of child.
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
import type { ClientTls } from "./ports";
import { buildClusterService, buildNlbService, buildPodDisruptionBudget } from "./services";
import {
  DEFAULTS,
  existingSecretKeys,
  imagePinningError,
  resolveSettings,
  type ResolvedSettings,
} from "./settings";
import { buildCertificate, CERT_MANAGER_API_VERSION } from "./tls/manifests";
import type { FaktoryArgs, FaktoryEdition } from "./types";
import { buildStatefulSet } from "./workload";

type Manifest = Record<string, unknown>;
const metadataOf = (m: pulumi.Output<Manifest>) =>
  m.apply((o) => o.metadata as k8s.types.input.meta.v1.ObjectMeta);
const specOf = <T>(m: pulumi.Output<Manifest>) => m.apply((o) => o.spec as T);

/** Where the pods read their secrets: the Secret with the password (and license), and the one with REDIS_URL. */
interface SecretRefs {
  /** The component's own Secret, when it creates one (the StatefulSet waits for it). */
  readonly secret: k8s.core.v1.Secret | undefined;
  readonly secretName: pulumi.Input<string>;
  readonly redisUrlSecretName: pulumi.Input<string>;
}

/** A client URL and its TLS one (undefined with TLS off); `url` is the TLS one when the plain port is closed. */
interface ClientUrls {
  readonly url: pulumi.Output<string>;
  readonly tlsUrl: pulumi.Output<string | undefined>;
}

/**
 * Faktory on Kubernetes: one StatefulSet of `1 + secondaries` supervised pods (enterprise) or one
 * OSS server with its embedded Redis on a volume (oss), behind a ClusterIP Service and an internal
 * NLB (optional: `loadBalancer`), with its Secret, conf.d ConfigMap, PodDisruptionBudget and NetworkPolicy,
 * and with `tls.certManager` a cert-manager Certificate.
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
  /**
   * The URL in-cluster clients use: `tcp://:<password>@<service>.<namespace>.svc.cluster.local:7419`;
   * with TLS `required` (the plain port closed) the same as `inClusterTlsUrl`. @secret
   */
  public readonly inClusterUrl: pulumi.Output<string>;
  /**
   * `tcp+tls://:<password>@<service>.<namespace>.svc.cluster.local:<tls.port>`; `undefined` with TLS off.
   * Clients verify the certificate against the CA that issued it (`ca.crt` of `tlsSecretName` with a
   * private CA). @secret
   */
  public readonly inClusterTlsUrl: pulumi.Output<string | undefined>;
  /** The internal NLB's DNS name, from the Service status; `undefined` with `loadBalancer: false`. */
  public readonly loadBalancerHostname: pulumi.Output<string | undefined>;
  /**
   * `tcp://:<password>@<nlb hostname>:7419`; with TLS `required` the same as `loadBalancerTlsUrl`;
   * `undefined` with `loadBalancer: false`. @secret
   */
  public readonly loadBalancerUrl: pulumi.Output<string | undefined>;
  /**
   * `tcp+tls://:<password>@<nlb hostname>:<tls.port>`; `undefined` with TLS off or `loadBalancer: false`.
   * The certificate does not hold the NLB's hostname: connect through a DNS alias listed in
   * `tls.certManager.dnsNames` (or in your Secret's certificate), or verify another name. @secret
   */
  public readonly loadBalancerTlsUrl: pulumi.Output<string | undefined>;
  /**
   * The kubernetes.io/tls Secret the pods serve: `tls.secretName`, or `<name>-tls` that cert-manager
   * writes (with `ca.crt`, the CA clients trust); `undefined` with TLS off.
   */
  public readonly tlsSecretName: pulumi.Output<string | undefined>;
  /** The NLB Service's name (for alarms on the NLB); `undefined` with `loadBalancer: false`. */
  public readonly loadBalancerServiceName: pulumi.Output<string | undefined>;
  /** The Faktory password. @secret */
  public readonly password: pulumi.Output<string>;
  /** The Secret in `namespace` holding the password under `FAKTORY_PASSWORD` (the component's, or `existingSecret`). */
  public readonly passwordSecretName: pulumi.Output<string>;
  /** The edition: with `enterprise` every pod serves the supervisor's health port (and its scaler endpoint). */
  public readonly edition: FaktoryEdition;
  /**
   * The TLS mode and the TLS job port clients dial (`tcp+tls://`), known when the component is constructed
   * (the Workers component decides its URL from it); `{ mode: "off" }` with TLS off. The CA is `ca.crt` of
   * `tlsSecretName`.
   */
  public readonly clientTls: ClientTls;

  private readonly settings: ResolvedSettings;
  /** Labels on every object: the component's own and the caller's `labels`. */
  private readonly labels: Readonly<Record<string, string>>;

  constructor(
    private readonly instance: string,
    private readonly args: FaktoryArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("faktory-ha:k8s:Faktory", instance, {}, opts);
    // Defaults and every plain-arg check, before any child exists.
    this.settings = resolveSettings(instance, args);
    this.labels = commonLabels({ instance }, args.labels ?? {});

    const namespaceResource = this.createNamespace();
    const namespace = namespaceResource
      ? namespaceResource.metadata.name
      : pulumi.output(args.namespace ?? instance);
    const serviceAccount = this.createServiceAccount(namespace);
    const password = pulumi.secret(this.readOrCreatePassword(namespace));
    const secrets = this.createSecrets(namespace, password);
    const pullSecretName = this.createRegistrySecret(namespace);
    const configMap = this.createConfD(namespace);
    const certificate = this.createCertificate(namespace);
    const workload = this.createStatefulSet(namespace, secrets, pullSecretName, [
      ...(secrets.secret ? [secrets.secret] : []),
      configMap,
      serviceAccount,
      ...(certificate ? [certificate] : []),
    ]);
    const clusterService = this.createClusterService(namespace);
    const nlbService = this.createNlbService(namespace, workload);
    this.createPodDisruptionBudget(namespace);
    this.createNetworkPolicy(namespace);
    // PodMonitor, PrometheusRule, dashboard ConfigMap: only those `monitoring` asks for.
    createMonitoringResources(
      {
        name: instance,
        namespace,
        monitoring: this.settings.monitoring,
        labels: args.labels ?? {},
        dependsOn: namespaceResource ? [namespaceResource] : [],
      },
      this,
    );

    this.namespace = namespace;
    this.serviceName = clusterService.metadata.name;
    this.password = pulumi.secret(password);
    this.passwordSecretName = pulumi.output(secrets.secretName);
    this.edition = this.settings.edition;
    const resolvedTls = this.settings.tls;
    this.clientTls =
      resolvedTls.mode === "off" ? { mode: "off" } : { mode: resolvedTls.mode, port: resolvedTls.port };
    const inCluster = this.clientUrls(
      password,
      pulumi.interpolate`${clusterService.metadata.name}.${namespace}.svc.cluster.local`,
    );
    this.inClusterUrl = inCluster.url;
    this.inClusterTlsUrl = inCluster.tlsUrl;
    if (nlbService) {
      const hostname = nlbService.status.apply(
        (status) => status?.loadBalancer?.ingress?.[0]?.hostname ?? "",
      );
      const nlb = this.clientUrls(password, hostname);
      this.loadBalancerHostname = hostname;
      this.loadBalancerServiceName = nlbService.metadata.name;
      this.loadBalancerUrl = nlb.url;
      this.loadBalancerTlsUrl = nlb.tlsUrl;
    } else {
      this.loadBalancerHostname = pulumi.output(undefined);
      this.loadBalancerServiceName = pulumi.output(undefined);
      this.loadBalancerUrl = pulumi.output(undefined);
      this.loadBalancerTlsUrl = pulumi.output(undefined);
    }
    const { tls } = this.settings;
    this.tlsSecretName = pulumi.output(tls.mode === "off" ? undefined : tls.secretName);
    this.registerOutputs({
      namespace: this.namespace,
      serviceName: this.serviceName,
      inClusterUrl: this.inClusterUrl,
      inClusterTlsUrl: this.inClusterTlsUrl,
      loadBalancerHostname: this.loadBalancerHostname,
      loadBalancerUrl: this.loadBalancerUrl,
      loadBalancerTlsUrl: this.loadBalancerTlsUrl,
      loadBalancerServiceName: this.loadBalancerServiceName,
      password: this.password,
      tlsSecretName: this.tlsSecretName,
      passwordSecretName: this.passwordSecretName,
    });
  }

  /** The URLs of a host (secrets): plain, and TLS when it is on; with `required` only the TLS one works. */
  private clientUrls(password: pulumi.Output<string>, host: pulumi.Input<string>): ClientUrls {
    const url = (scheme: string, port: number) =>
      pulumi.secret(pulumi.interpolate`${scheme}://:${password}@${host}:${port}`);
    const { tls } = this.settings;
    if (tls.mode === "off") return { url: url("tcp", PORTS.faktory), tlsUrl: pulumi.output(undefined) };
    const tlsUrl = url("tcp+tls", tls.port);
    return { url: tls.mode === "required" ? tlsUrl : url("tcp", PORTS.faktory), tlsUrl };
  }

  /** Children are `<name>-<role>`, parented to the component (and so on its provider). */
  private child(): pulumi.CustomResourceOptions {
    return { parent: this };
  }

  /** The namespace, unless it already exists (`createNamespace: false`). */
  private createNamespace(): k8s.core.v1.Namespace | undefined {
    if (!this.settings.createNamespace) return undefined;
    return new k8s.core.v1.Namespace(
      `${this.instance}-namespace`,
      {
        metadata: {
          name: this.args.namespace ?? this.instance,
          // The AWS Load Balancer Controller then gates pod readiness on NLB registration, so a
          // rolling update never takes a pod down before its replacement receives traffic.
          labels: { ...this.labels, "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" },
        },
      },
      this.child(),
    );
  }

  private createServiceAccount(namespace: pulumi.Output<string>): k8s.core.v1.ServiceAccount {
    return new k8s.core.v1.ServiceAccount(
      `${this.instance}-service-account`,
      {
        metadata: { name: this.instance, namespace, labels: this.labels },
        // Neither the supervisor nor Faktory talks to the Kubernetes API.
        automountServiceAccountToken: false,
      },
      this.child(),
    );
  }

  /**
   * The password: read back from the user's Secret when `existingSecret` names one (for the output
   * URLs; its keys are checked then), else the given one or a generated one.
   */
  private readOrCreatePassword(namespace: pulumi.Output<string>): pulumi.Output<string> {
    const { existingSecret, edition } = this.settings;
    if (existingSecret !== undefined) {
      const existing = k8s.core.v1.Secret.get(
        `${this.instance}-existing-secret`,
        pulumi.interpolate`${namespace}/${existingSecret}`,
        this.child(),
      );
      const required = existingSecretKeys(edition, this.args.redisUrl !== undefined);
      return existing.data.apply((data) => {
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
    }
    if (this.args.password !== undefined) return pulumi.output(this.args.password);
    return new random.RandomPassword(
      `${this.instance}-password`,
      // Letters and digits only: the password goes into `tcp://:<password>@host` URLs.
      { length: DEFAULTS.passwordLength, special: false },
      this.child(),
    ).result;
  }

  /**
   * The component's Secret: password, license and Redis URL; with `existingSecret` only a given
   * `redisUrl` (the rest is in the user's Secret), or none.
   */
  private createSecrets(namespace: pulumi.Output<string>, password: pulumi.Output<string>): SecretRefs {
    const { edition, existingSecret } = this.settings;
    const { args } = this;
    const redisUrl: Record<string, pulumi.Input<string>> = edition === "enterprise" &&
    args.redisUrl !== undefined
      ? { [SECRET_KEYS.redisUrl]: args.redisUrl }
      : {};
    // Auto-named on purpose: env from a Secret is read at container start, so a changed value must
    // reach the pods as a new Secret name in the pod template, which rolls them one by one. Pulumi
    // creates the new Secret before the StatefulSet moves to it and deletes the old one after.
    const ownSecret = (values: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${this.instance}-secret`,
        {
          metadata: { namespace, labels: this.labels },
          type: "Opaque",
          stringData: pulumi.secret(pulumi.all(values)),
        },
        this.child(),
      );
    if (existingSecret === undefined) {
      const secret = ownSecret({
        [SECRET_KEYS.password]: password,
        ...redisUrl,
        ...(edition === "enterprise" && args.license !== undefined
          ? { [SECRET_KEYS.license]: args.license }
          : {}),
      });
      return { secret, secretName: secret.metadata.name, redisUrlSecretName: secret.metadata.name };
    }
    const secret = Object.keys(redisUrl).length > 0 ? ownSecret(redisUrl) : undefined;
    return {
      secret,
      secretName: existingSecret,
      redisUrlSecretName: secret?.metadata.name ?? existingSecret,
    };
  }

  /** The image pull Secret (dockerconfigjson), with `registryCredentials`. */
  private createRegistrySecret(namespace: pulumi.Output<string>): pulumi.Output<string> | undefined {
    const creds = this.args.registryCredentials;
    if (!creds) return undefined;
    const dockerConfig = pulumi
      .all([creds.server, creds.username, creds.password])
      .apply(([server, username, pw]) =>
        JSON.stringify({
          auths: {
            [server]: { username, password: pw, auth: Buffer.from(`${username}:${pw}`).toString("base64") },
          },
        }),
      );
    return new k8s.core.v1.Secret(
      `${this.instance}-registry`,
      {
        metadata: { namespace, labels: this.labels },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": pulumi.secret(dockerConfig) },
      },
      this.child(),
    ).metadata.name;
  }

  /** The conf.d ConfigMap: cron.toml, statsd.toml and the extra files. */
  private createConfD(namespace: pulumi.Output<string>): k8s.core.v1.ConfigMap {
    const { args } = this;
    // A fixed name and no checksum annotation: a change is written to the same ConfigMap, kubelet
    // refreshes the mounted directory, and the supervisor sends Faktory a SIGHUP; no pod restarts.
    const confd: Record<string, string> = {};
    if (args.cron && args.cron.length > 0) confd["cron.toml"] = renderCronToml(args.cron);
    if (args.statsd) confd["statsd.toml"] = renderStatsdToml(args.statsd);
    Object.assign(confd, this.settings.extraConfFiles);
    return new k8s.core.v1.ConfigMap(
      `${this.instance}-conf-d`,
      { metadata: { name: this.configMapName(), namespace, labels: this.labels }, data: confd },
      // The provider replaces a ConfigMap on data change unless `enableConfigMapMutable` is set on
      // it; with a fixed name that replacement must delete first. The pods are not restarted.
      { ...this.child(), deleteBeforeReplace: true },
    );
  }

  private configMapName(): string {
    return `${this.instance}-conf-d`;
  }

  /**
   * The cert-manager Certificate (`tls.certManager`), which writes the Secret the pods mount. The
   * StatefulSet depends on it, and it carries `pulumi.com/waitFor: condition=Ready`: the pods are created
   * once cert-manager has issued the certificate, and a wrong issuer fails `pulumi up` at the Certificate,
   * which names it, rather than at pods stuck on their volume. Without that wait (a Kubernetes provider
   * before 4.18) the kubelet retries the mount until the Secret exists, so the pods start all the same.
   */
  private createCertificate(namespace: pulumi.Output<string>): k8s.apiextensions.CustomResource | undefined {
    const { tls, serviceName } = this.settings;
    if (tls.mode === "off" || tls.certManager === undefined) return undefined;
    const { certManager } = tls;
    const m = namespace.apply((ns) =>
      buildCertificate({
        instance: this.instance,
        namespace: ns,
        serviceName,
        certManager,
        labels: this.args.labels ?? {},
      }),
    );
    return new k8s.apiextensions.CustomResource(
      `${this.instance}-tls`,
      { apiVersion: CERT_MANAGER_API_VERSION, kind: "Certificate", metadata: metadataOf(m), spec: specOf(m) },
      this.child(),
    );
  }

  /** The StatefulSet, once its Inputs (image, Secret names, resources) are known. */
  private createStatefulSet(
    namespace: pulumi.Output<string>,
    secrets: SecretRefs,
    pullSecretName: pulumi.Output<string> | undefined,
    dependsOn: pulumi.Resource[],
  ): k8s.apps.v1.StatefulSet {
    const { args, settings, instance } = this;
    const manifest = pulumi
      .all([
        namespace,
        args.image,
        args.resources?.requests ?? DEFAULTS.requests,
        args.resources?.limits ?? DEFAULTS.limits,
        args.storageSize ?? DEFAULTS.storageSize,
        args.storageClassName,
        pulumi.all([secrets.secretName, secrets.redisUrlSecretName]),
        pullSecretName,
      ])
      .apply(
        ([ns, image, req, lim, size, storageClassName, [secretRef, redisUrlSecretRef], pullSecretRef]) => {
          // A plain image was checked up front; an Output is checked here, once known.
          const error = imagePinningError(image);
          if (error) throw new Error(error);
          return buildStatefulSet({
            name: instance,
            namespace: ns,
            instance,
            edition: settings.edition,
            replicas: settings.replicas,
            image,
            env: buildEnv({
              edition: settings.edition,
              secretName: secretRef,
              redisUrlSecretName: redisUrlSecretRef,
              lease: settings.lease,
              extraEnv: settings.extraEnv,
              tls: settings.tls,
            }),
            serviceName: settings.serviceName,
            serviceAccountName: instance,
            configMapName: this.configMapName(),
            imagePullSecretName: pullSecretRef,
            liveness: settings.liveness,
            ...(settings.startup ? { startup: settings.startup } : {}),
            readiness: DEFAULTS.readiness,
            terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
            resources: { requests: { ...req }, limits: { ...lim } },
            runAsUser: settings.runAsUser,
            storage: { size, storageClassName },
            labels: args.labels ?? {},
            podLabels: settings.podLabels,
            podAnnotations: {
              ...settings.podAnnotations,
              ...scrapeAnnotations(settings.monitoring.scrapeAnnotations),
            },
            nodeSelector: settings.nodeSelector,
            tolerations: settings.tolerations,
            affinity: settings.affinity,
            priorityClassName: settings.priorityClassName,
            tls: settings.tls,
          });
        },
      );
    return new k8s.apps.v1.StatefulSet(
      `${instance}-statefulset`,
      {
        metadata: metadataOf(manifest),
        spec: specOf<k8s.types.input.apps.v1.StatefulSetSpec>(manifest),
      },
      // Never two workloads at once: a replacement (an immutable field changed) deletes first.
      { ...this.child(), deleteBeforeReplace: true, dependsOn },
    );
  }

  private serviceInput() {
    const { webUi, tls } = this.settings;
    return { instance: this.instance, webUi, tls, labels: this.args.labels ?? {} };
  }

  /** The ClusterIP Service in-cluster clients use. */
  private createClusterService(namespace: pulumi.Output<string>): k8s.core.v1.Service {
    const m = namespace.apply((ns) =>
      buildClusterService({
        ...this.serviceInput(),
        name: this.settings.serviceName,
        namespace: ns,
        edition: this.settings.edition,
      }),
    );
    return new k8s.core.v1.Service(
      `${this.instance}-service`,
      { metadata: metadataOf(m), spec: specOf<k8s.types.input.core.v1.ServiceSpec>(m) },
      this.child(),
    );
  }

  /** The internal NLB Service, unless `loadBalancer: false`; made once the pods exist. */
  private createNlbService(
    namespace: pulumi.Output<string>,
    workload: k8s.apps.v1.StatefulSet,
  ): k8s.core.v1.Service | undefined {
    if (!(this.args.loadBalancer ?? DEFAULTS.loadBalancer)) return undefined;
    const { settings } = this;
    const m = namespace.apply((ns) =>
      buildNlbService({
        ...this.serviceInput(),
        name: `${settings.serviceName}-nlb`,
        namespace: ns,
        edition: settings.edition,
        deregistrationDelaySeconds: settings.deregistrationDelaySeconds,
      }),
    );
    return new k8s.core.v1.Service(
      `${this.instance}-nlb`,
      { metadata: metadataOf(m), spec: specOf<k8s.types.input.core.v1.ServiceSpec>(m) },
      { ...this.child(), dependsOn: [workload] },
    );
  }

  private createPodDisruptionBudget(namespace: pulumi.Output<string>): void {
    const { instance } = this;
    const pdb = namespace.apply((ns) =>
      buildPodDisruptionBudget({ name: instance, namespace: ns, instance, labels: this.args.labels ?? {} }),
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${instance}-pdb`,
      { metadata: metadataOf(pdb), spec: specOf<k8s.types.input.policy.v1.PodDisruptionBudgetSpec>(pdb) },
      this.child(),
    );
  }

  /**
   * Who may reach the pods: `allowedCidrs` (default: the VPC), `allowedNamespaces`, the own namespace; the
   * health port also `scalerNamespaces` (KEDA).
   */
  private createNetworkPolicy(namespace: pulumi.Output<string>): void {
    const { args, instance, settings } = this;
    const policy = pulumi
      .all([
        namespace,
        args.allowedNamespaces ?? [],
        args.allowedCidrs ?? args.vpcCidrs,
        args.vpcCidrs,
        // Used with enterprise only (oss refuses the arg, and its pods have no health port).
        args.scalerNamespaces ?? DEFAULTS.scalerNamespaces,
      ])
      .apply(([ns, namespaces, allowed, vpc, scalerNamespaces]) =>
        buildNetworkPolicy({
          name: instance,
          namespace: ns,
          instance,
          edition: settings.edition,
          webUi: settings.webUi,
          allowedNamespaces: namespaces,
          scalerNamespaces,
          allowedCidrs: allowed,
          vpcCidrs: vpc,
          labels: args.labels ?? {},
          tls: settings.tls,
        }),
      );
    new k8s.networking.v1.NetworkPolicy(
      `${instance}-network-policy`,
      {
        metadata: metadataOf(policy),
        spec: specOf<k8s.types.input.networking.v1.NetworkPolicySpec>(policy),
      },
      this.child(),
    );
  }
}
