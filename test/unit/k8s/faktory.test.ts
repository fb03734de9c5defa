import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  containsSecret,
  isSecret,
  setupMocks,
  unwrapSecrets,
  valueOf,
  type RecordedResource,
} from "../../support/pulumi-mocks";
import { Faktory, validateKubernetesObject, type FaktoryArgs } from "../../../components/k8s";
import type { CronJob } from "../../../components/cron/types";

const runtime = setupMocks();

const REDIS_URL = "rediss://:redis-token-0123456789abcdef@master.redis.example.internal:6379";
const PASSWORD = "given-faktory-password-42";
const LICENSE = "license-ABCDEF-0123456789";
const REGISTRY_PASSWORD = "registry-password-xyz";
const SECRET_VALUES = [REDIS_URL, "redis-token-0123456789abcdef", PASSWORD, LICENSE, REGISTRY_PASSWORD];
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:1.9.4";
const CRON: CronJob[] = [
  { name: "nightly", schedule: "0 3 * * *", job: { type: "NightlyReport", queue: "reports" } },
];

const T = {
  component: "faktory-ha:k8s:Faktory",
  namespace: "kubernetes:core/v1:Namespace",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  service: "kubernetes:core/v1:Service",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  password: "random:index/randomPassword:RandomPassword",
};

const baseArgs: FaktoryArgs = {
  image: IMAGE,
  redisUrl: pulumi.secret(REDIS_URL),
  license: pulumi.secret(LICENSE),
  vpcCidrs: ["10.0.0.0/16"],
};

type Obj = Record<string, unknown>;
const plain = (r: RecordedResource): Obj => unwrapSecrets(r.inputs) as Obj;
const childrenOf = (name: string) => runtime.resources.filter((r) => r.parentName === name);
const named = (component: string, type: string, name: string) =>
  runtime.ofType(type).find((r) => r.name === name && r.parentName === component) as RecordedResource;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

async function settle(f: Faktory): Promise<void> {
  await Promise.all([valueOf(f.urn), valueOf(f.inClusterUrl), valueOf(f.loadBalancerUrl)]);
  // Registrations finish after their inputs resolve; one more turn for the last of them.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("Faktory (enterprise)", () => {
  let provider: k8s.Provider;
  let prod: Faktory;
  let other: Faktory;

  beforeAll(async () => {
    provider = new k8s.Provider("cluster-k8s", { kubeconfig: "{}" });
    prod = new Faktory(
      "prod",
      {
        ...baseArgs,
        secondaries: 2,
        password: pulumi.secret(PASSWORD),
        cron: CRON,
        statsd: { location: "datadog-agent.monitoring:8125", tags: ["env:prod"] },
        webUi: true,
        allowedNamespaces: ["workers"],
        allowedCidrs: ["10.1.0.0/16"],
        registryCredentials: {
          server: "docker.contribsys.com",
          username: "acme",
          password: pulumi.secret(REGISTRY_PASSWORD),
        },
      },
      { provider },
    );
    // A second instance in the same stack: its selector must not match prod's pods.
    other = new Faktory(
      "other",
      { ...baseArgs, namespace: "prod", createNamespace: false, serviceName: "faktory-other" },
      // The other documented way: a providers map, keyed by package.
      { providers: { kubernetes: provider } },
    );
    await Promise.all([settle(prod), settle(other)]);
  });

  it("creates exactly the expected children, named <name>-<role>, parented to the component", () => {
    const children = childrenOf("prod")
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(children).toEqual(
      [
        `${T.namespace} prod-namespace`,
        `${T.serviceAccount} prod-service-account`,
        `${T.secret} prod-secret`,
        `${T.secret} prod-registry`,
        `${T.configMap} prod-conf-d`,
        `${T.statefulSet} prod-statefulset`,
        `${T.service} prod-service`,
        `${T.service} prod-nlb`,
        `${T.pdb} prod-pdb`,
        `${T.networkPolicy} prod-network-policy`,
      ].sort(),
    );
    for (const r of childrenOf("prod")) expect(r.parentType).toBe(T.component);
    // Given a password: none generated. `other` generates one, and creates no namespace or pull secret.
    expect(runtime.ofType(T.password).map((r) => r.name)).toEqual(["other-password"]);
    expect(
      childrenOf("other")
        .map((r) => r.type)
        .sort(),
    ).toEqual(
      [
        T.serviceAccount,
        T.secret,
        T.configMap,
        T.statefulSet,
        T.service,
        T.service,
        T.pdb,
        T.networkPolicy,
        T.password,
      ].sort(),
    );
  });

  it("passes the Kubernetes provider to every Kubernetes child", async () => {
    const providerRef = `${await valueOf(provider.urn)}::${await valueOf(provider.id)}`;
    const kube = runtime.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && r.parentType === T.component,
    );
    expect(kube.length).toBe(18); // prod 10, other 8 (no namespace, no pull secret)
    for (const r of kube) expect(r.provider, `${r.type} ${r.name}`).toBe(providerRef);
    // The Kubernetes provider is not forced onto the random package's password.
    expect(runtime.one(T.password, "other-password").provider ?? "").not.toContain("kubernetes");
  });

  it("renders every Kubernetes object valid against the Kubernetes schema", () => {
    const kube = runtime.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && r.parentType === T.component,
    );
    for (const r of kube) {
      expect(validateKubernetesObject(plain(r)), `${r.type} ${r.name}`).toEqual([]);
    }
  });

  it("runs 1 + secondaries pods in one StatefulSet with a selector unique to the instance", () => {
    const sts = plain(named("prod", T.statefulSet, "prod-statefulset")) as Any;
    expect(sts.metadata.name).toBe("prod");
    expect(sts.metadata.namespace).toBe("prod");
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    expect(sts.spec.serviceName).toBe("faktory");
    const selector = {
      "app.kubernetes.io/name": "faktory",
      "app.kubernetes.io/instance": "prod",
      "app.kubernetes.io/component": "server",
    };
    expect(sts.spec.selector).toEqual({ matchLabels: selector });
    expect(sts.spec.template.metadata.labels).toMatchObject(selector);
    // The seed's bug: two workloads whose selectors matched each other's pods.
    const otherSts = plain(named("other", T.statefulSet, "other-statefulset")) as Any;
    const otherLabels = otherSts.spec.template.metadata.labels;
    const matches = (sel: Obj, labels: Obj) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(matches(sts.spec.selector.matchLabels, otherLabels)).toBe(false);
    expect(matches(otherSts.spec.selector.matchLabels, sts.spec.template.metadata.labels)).toBe(false);
    expect(runtime.ofType(T.statefulSet).filter((r) => r.parentName === "prod")).toHaveLength(1);
  });

  it("selects the same pods from the Services, PDB and NetworkPolicy", () => {
    const podLabels = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template.metadata
      .labels;
    const selectorOf = (r: RecordedResource) => {
      const spec = (plain(r) as Any).spec;
      return spec.selector?.matchLabels ?? spec.selector ?? spec.podSelector.matchLabels;
    };
    for (const r of [
      named("prod", T.service, "prod-service"),
      named("prod", T.service, "prod-nlb"),
      named("prod", T.pdb, "prod-pdb"),
      named("prod", T.networkPolicy, "prod-network-policy"),
    ]) {
      const sel = selectorOf(r);
      expect(Object.keys(sel).length, r.name).toBe(3);
      for (const [k, v] of Object.entries(sel)) expect(podLabels[k], `${r.name} ${k}`).toBe(v);
    }
    expect((plain(named("prod", T.pdb, "prod-pdb")) as Any).spec.maxUnavailable).toBe(1);
  });

  it("runs the supervisor with the contract's command, ports, env and probes", () => {
    const pod = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toBe(IMAGE);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.command).toEqual([
      "/sbin/tini",
      "--",
      "faktory-ha-supervisor",
      "--",
      "/faktory",
      "-b",
      ":17419",
      "-w",
      ":17420",
      "-e",
      "production",
    ]);
    expect(c.ports.map((p: Any) => [p.name, p.containerPort])).toEqual([
      ["faktory", 7419],
      ["web", 7420],
      ["health", 7421],
      ["internal", 17419],
      ["internal-web", 17420],
    ]);
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
    const ref = (key: string) => ({ secretKeyRef: { name: "prod-secret-0a1b2c3d", key } });
    expect(env).toEqual({
      REDIS_URL: ref("REDIS_URL"),
      FAKTORY_PASSWORD: ref("FAKTORY_PASSWORD"),
      FAKTORY_LICENSE: ref("FAKTORY_LICENSE"),
      FAKTORY_HA_ID: { fieldRef: { fieldPath: "metadata.name" } },
      FAKTORY_HA_ADVERTISE_HOST: { fieldRef: { fieldPath: "status.podIP" } },
      FAKTORY_HA_REVISION: { fieldRef: { fieldPath: "metadata.labels['controller-revision-hash']" } },
      FAKTORY_HA_POD_UID: { fieldRef: { fieldPath: "metadata.uid" } },
      FAKTORY_HA_PORT: "7419",
      FAKTORY_HA_WEB_PORT: "7420",
      FAKTORY_HA_HEALTH_PORT: "7421",
      FAKTORY_HA_INTERNAL_PORT: "17419",
      FAKTORY_HA_INTERNAL_WEB_PORT: "17420",
      FAKTORY_HA_KEY_PREFIX: "faktory-ha",
      FAKTORY_HA_LEASE_TTL_MS: "10000",
      FAKTORY_HA_RENEW_INTERVAL_MS: "1000",
      FAKTORY_HA_RENEW_DEADLINE_MS: "4000",
      FAKTORY_HA_POLL_MS: "500",
      FAKTORY_HA_ROUTER_HOLD_MS: "15000",
      FAKTORY_HA_STOP_TIMEOUT_MS: "2000",
      FAKTORY_HA_LEASE_DB: "1",
      FAKTORY_HA_METRICS_INTERVAL_MS: "5000",
      FAKTORY_HA_CONFIG_DIR: "/etc/faktory/conf.d",
    });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: "/healthz", port: "health", scheme: "HTTP" },
      initialDelaySeconds: 5,
      periodSeconds: 2,
      failureThreshold: 3,
      timeoutSeconds: 1,
      terminationGracePeriodSeconds: 1,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: "/readyz", port: "health", scheme: "HTTP" },
      periodSeconds: 2,
      failureThreshold: 2,
      timeoutSeconds: 1,
      successThreshold: 1,
    });
    expect(c.resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "2", memory: "1Gi" },
    });
  });

  it("is hardened: non-root, no escalation, read-only root, no token, pinned pull, long enough grace", () => {
    const pod = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template.spec;
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("prod");
    expect(
      (plain(named("prod", T.serviceAccount, "prod-service-account")) as Any).automountServiceAccountToken,
    ).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.imagePullSecrets).toEqual([{ name: "prod-registry-0a1b2c3d" }]);
    for (const r of runtime.ofType(T.statefulSet)) {
      for (const container of (plain(r) as Any).spec.template.spec.containers) {
        expect(container.imagePullPolicy, r.name).not.toBe("Always");
      }
    }
  });

  it("mounts conf.d as a whole directory from the fixed-name ConfigMap, with unique mount paths", () => {
    const pod = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template.spec;
    const mounts = pod.containers[0].volumeMounts;
    expect(mounts).toEqual([
      { name: "conf-d", mountPath: "/etc/faktory/conf.d", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    expect(new Set(mounts.map((m: Any) => m.mountPath)).size).toBe(mounts.length);
    expect(mounts.some((m: Any) => "subPath" in m)).toBe(false);
    expect(pod.volumes).toEqual([
      { name: "conf-d", configMap: { name: "prod-conf-d" } },
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
    ]);
    const cm = plain(named("prod", T.configMap, "prod-conf-d")) as Any;
    expect(cm.metadata.name).toBe("prod-conf-d");
    expect(Object.keys(cm.data).sort()).toEqual(["cron.toml", "statsd.toml"]);
    expect(cm.data["cron.toml"]).toContain('type = "NightlyReport"');
    expect(cm.data["statsd.toml"]).toBe(
      '[statsd]\nlocation = "datadog-agent.monitoring:8125"\nnamespace = "faktory"\ntags = ["env:prod"]\n',
    );
    // No checksum of the ConfigMap on the pods: a config change must not restart them. The only
    // pod annotations are Prometheus's scrape hints (monitoring).
    const template = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template;
    expect(Object.keys(template.metadata.annotations).sort()).toEqual([
      "prometheus.io/path",
      "prometheus.io/port",
      "prometheus.io/scrape",
    ]);
  });

  it("rolls the pods when a secret value changes: env refers to the auto-named Secret's generated name", () => {
    const envNames = (n: string) =>
      new Set(
        (plain(named(n, T.statefulSet, `${n}-statefulset`)) as Any).spec.template.spec.containers[0].env
          .filter((e: Any) => e.valueFrom?.secretKeyRef)
          .map((e: Any) => e.valueFrom.secretKeyRef.name),
      );
    expect([...envNames("prod")]).toEqual(["prod-secret-0a1b2c3d"]);
    expect([...envNames("other")]).toEqual(["other-secret-0a1b2c3d"]);
    expect((plain(named("prod", T.configMap, "prod-conf-d")) as Any).metadata.name).toBe("prod-conf-d");
  });

  it("keeps every secret in Secrets only: not in any ConfigMap, literal env value or annotation", () => {
    const secret = plain(named("prod", T.secret, "prod-secret")) as Any;
    expect(secret.type).toBe("Opaque");
    // Auto-named (no metadata.name): a changed value becomes a new name in the pod template.
    expect(secret.metadata.name).toBeUndefined();
    expect(secret.stringData).toEqual({ REDIS_URL, FAKTORY_PASSWORD: PASSWORD, FAKTORY_LICENSE: LICENSE });
    expect(containsSecret(named("prod", T.secret, "prod-secret").inputs)).toBe(true);
    const registry = plain(named("prod", T.secret, "prod-registry")) as Any;
    expect(registry.type).toBe("kubernetes.io/dockerconfigjson");
    expect(JSON.parse(registry.stringData[".dockerconfigjson"])).toEqual({
      auths: {
        "docker.contribsys.com": {
          username: "acme",
          password: REGISTRY_PASSWORD,
          auth: Buffer.from(`acme:${REGISTRY_PASSWORD}`).toString("base64"),
        },
      },
    });
    for (const r of runtime.resources.filter(
      (x) => x.type.startsWith("kubernetes:") && x.type !== T.secret,
    )) {
      const text = JSON.stringify(plain(r));
      for (const value of SECRET_VALUES) expect(text.includes(value), `${r.type} ${r.name}`).toBe(false);
    }
    for (const r of runtime.ofType(T.configMap)) {
      expect(containsSecret(r.inputs), r.name).toBe(false);
    }
    for (const r of runtime.ofType(T.statefulSet)) {
      for (const e of (plain(r) as Any).spec.template.spec.containers[0].env) {
        if (/REDIS|PASSWORD|LICENSE/.test(e.name)) expect(e.value, e.name).toBeUndefined();
      }
    }
  });

  it("exposes 7419 (and 7420 with webUi) on a ClusterIP Service and an internal NLB with IP targets", () => {
    const svc = plain(named("prod", T.service, "prod-service")) as Any;
    expect(svc.metadata.name).toBe("faktory");
    expect(svc.spec.type).toBe("ClusterIP");
    // The health port too, on the ClusterIP Service only: KEDA reads the scaler endpoint there.
    expect(svc.spec.ports).toEqual([
      { name: "faktory", port: 7419, targetPort: "faktory", protocol: "TCP" },
      { name: "web", port: 7420, targetPort: "web", protocol: "TCP" },
      { name: "health", port: 7421, targetPort: "health", protocol: "TCP" },
    ]);
    const nlb = plain(named("prod", T.service, "prod-nlb")) as Any;
    expect(nlb.metadata.name).toBe("faktory-nlb");
    expect(nlb.spec.type).toBe("LoadBalancer");
    expect(nlb.metadata.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "7421",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/readyz",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "10",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold": "2",
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "2",
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes":
        "deregistration_delay.timeout_seconds=15,preserve_client_ip.enabled=true",
      "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
    });
    const otherNlb = plain(named("other", T.service, "other-nlb")) as Any;
    expect(otherNlb.spec.ports.map((p: Any) => p.port)).toEqual([7419]);
    const ns = plain(named("prod", T.namespace, "prod-namespace")) as Any;
    expect(ns.metadata.labels["elbv2.k8s.aws/pod-readiness-gate-inject"]).toBe("enabled");
  });

  it("admits clients, the workload's own routers and health checks, each only to their ports", () => {
    const np = plain(named("prod", T.networkPolicy, "prod-network-policy")) as Any;
    const selector = {
      "app.kubernetes.io/name": "faktory",
      "app.kubernetes.io/instance": "prod",
      "app.kubernetes.io/component": "server",
    };
    expect(np.spec.podSelector).toEqual({ matchLabels: selector });
    expect(np.spec.policyTypes).toEqual(["Ingress"]);
    expect(np.spec.ingress).toEqual([
      {
        from: [
          { podSelector: {} },
          {
            namespaceSelector: {
              matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["workers"] }],
            },
          },
          { ipBlock: { cidr: "10.1.0.0/16" } },
        ],
        ports: [
          { protocol: "TCP", port: 7419 },
          { protocol: "TCP", port: 7420 },
        ],
      },
      {
        from: [{ podSelector: { matchLabels: selector } }],
        ports: [
          { protocol: "TCP", port: 17419 },
          { protocol: "TCP", port: 17420 },
        ],
      },
      { from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 7421 }] },
      // KEDA's namespace by default (scalerNamespaces), to the health port only, where it reads /scaler.
      {
        from: [
          {
            namespaceSelector: {
              matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["keda"] }],
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 7421 }],
      },
    ]);
    // Without allowedCidrs the VPC is admitted to the client port (what an internal NLB admits).
    const other = plain(named("other", T.networkPolicy, "other-network-policy")) as Any;
    expect(other.spec.ingress[0]).toEqual({
      from: [{ podSelector: {} }, { ipBlock: { cidr: "10.0.0.0/16" } }],
      ports: [{ protocol: "TCP", port: 7419 }],
    });
  });

  it("spreads the pods across zones and hosts", () => {
    const pod = (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.template.spec;
    const selector = pod.topologySpreadConstraints[0].labelSelector;
    expect(pod.topologySpreadConstraints).toEqual(
      ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: selector,
      })),
    );
    expect(selector).toEqual({
      matchLabels: (plain(named("prod", T.statefulSet, "prod-statefulset")) as Any).spec.selector.matchLabels,
    });
  });

  it("outputs the namespace, service and URLs; the URLs and password are secret", async () => {
    expect(await valueOf(prod.namespace)).toBe("prod");
    expect(await valueOf(prod.serviceName)).toBe("faktory");
    expect(await valueOf(prod.password)).toBe(PASSWORD);
    expect(await valueOf(prod.inClusterUrl)).toBe(`tcp://:${PASSWORD}@faktory.prod.svc.cluster.local:7419`);
    const hostname = await valueOf(prod.loadBalancerHostname);
    expect(hostname).toBe("k8s-prod-nlb-0123456789.elb.us-east-1.amazonaws.com");
    expect(await valueOf(prod.loadBalancerUrl)).toBe(`tcp://:${PASSWORD}@${hostname}:7419`);
    for (const output of [
      prod.password,
      prod.inClusterUrl,
      prod.loadBalancerUrl,
      other.password,
      other.inClusterUrl,
    ]) {
      expect(await isSecret(output)).toBe(true);
    }
    expect(await isSecret(prod.serviceName)).toBe(false);
    // The Secret holding FAKTORY_PASSWORD, for workers of this Faktory (a name, not secret).
    expect(await valueOf(prod.passwordSecretName)).toBe("prod-secret-0a1b2c3d");
    expect(await isSecret(prod.passwordSecretName)).toBe(false);
    expect(prod.edition).toBe("enterprise");
    // The generated password (letters and digits: it goes into URLs) reaches the Secret and the URL.
    const generated = runtime.one(T.password, "other-password");
    expect(generated.inputs).toMatchObject({ length: 32, special: false });
    expect(await valueOf(other.inClusterUrl)).toBe(
      "tcp://:generated-other-password-secret-value@faktory-other.prod.svc.cluster.local:7419",
    );
    expect((plain(named("other", T.secret, "other-secret")) as Any).stringData.FAKTORY_PASSWORD).toBe(
      "generated-other-password-secret-value",
    );
    expect(runtime.unknownCalls).toEqual([]);
  });
});

describe("Faktory without a load balancer (a cluster with no load-balancer controller)", () => {
  let local: Faktory;
  beforeAll(async () => {
    local = new Faktory("local", { ...baseArgs, loadBalancer: false, password: PASSWORD });
    await settle(local);
  });

  it("creates only the ClusterIP Service, and no load-balancer outputs", async () => {
    const services = childrenOf("local").filter((r) => r.type === T.service);
    expect(services.map((r) => r.name)).toEqual(["local-service"]);
    expect((plain(services[0]) as Any).spec.type).toBe("ClusterIP");
    expect(await valueOf(local.loadBalancerHostname)).toBeUndefined();
    expect(await valueOf(local.loadBalancerUrl)).toBeUndefined();
    expect(await valueOf(local.inClusterUrl)).toBe(`tcp://:${PASSWORD}@faktory.local.svc.cluster.local:7419`);
  });
});

describe("Faktory with the chart-parity knobs", () => {
  let all: Faktory;
  const THROTTLES = '[throttles.default]\nconcurrency = 5\ntimeout = "60s"\n';
  beforeAll(async () => {
    const knobs = new Faktory("knobs", {
      ...baseArgs,
      labels: { team: "payments" },
      podLabels: { "sidecar.istio.io/inject": "false" },
      podAnnotations: { "example.com/owner": "payments" },
      nodeSelector: { "karpenter.sh/nodepool": "jobs" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "faktory", effect: "NoSchedule" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }] },
            ],
          },
        },
      },
      priorityClassName: "faktory-critical",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      extraEnv: [{ name: "TZ", value: "UTC" }],
      extraConfFiles: { "throttles.toml": THROTTLES },
      // KEDA installed elsewhere, the namespace from another stack's output.
      scalerNamespaces: [pulumi.output("autoscaling")],
    });
    // An existing Secret with the password and license; the Redis URL still given (as stack config does).
    const byo = new Faktory("byo", {
      image: IMAGE,
      redisUrl: pulumi.secret(REDIS_URL),
      vpcCidrs: ["10.0.0.0/16"],
      namespace: "jobs",
      createNamespace: false,
      existingSecret: "faktory-credentials",
    });
    // An existing Secret holding everything.
    all = new Faktory("all", {
      image: IMAGE,
      vpcCidrs: ["10.0.0.0/16"],
      namespace: "jobs",
      createNamespace: false,
      existingSecret: "faktory-credentials",
      serviceName: "faktory-all",
      // No KEDA: the health port from the VPC only.
      scalerNamespaces: [],
    });
    await Promise.all([settle(knobs), settle(byo), settle(all)]);
  });

  const sts = (n: string) => plain(named(n, T.statefulSet, `${n}-statefulset`)) as Any;
  const secretRefs = (n: string) =>
    Object.fromEntries(
      sts(n)
        .spec.template.spec.containers[0].env.filter((e: Any) => e.valueFrom?.secretKeyRef)
        .map((e: Any) => [e.name, e.valueFrom.secretKeyRef.name]),
    );

  it("puts the placement, labels, annotations, priority, resources and env on the pods, valid for Kubernetes", () => {
    const s = sts("knobs");
    expect(validateKubernetesObject(s)).toEqual([]);
    const pod = s.spec.template;
    expect(pod.spec.nodeSelector).toEqual({ "karpenter.sh/nodepool": "jobs" });
    expect(pod.spec.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "faktory", effect: "NoSchedule" },
    ]);
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeDefined();
    expect(pod.spec.priorityClassName).toBe("faktory-critical");
    expect(pod.spec.topologySpreadConstraints).toHaveLength(2);
    expect(pod.metadata.labels).toMatchObject({ team: "payments", "sidecar.istio.io/inject": "false" });
    // Pod labels stay on the pods: not on the StatefulSet, never in its selector.
    expect(s.metadata.labels["sidecar.istio.io/inject"]).toBeUndefined();
    expect(Object.keys(s.spec.selector.matchLabels).sort()).toEqual([
      "app.kubernetes.io/component",
      "app.kubernetes.io/instance",
      "app.kubernetes.io/name",
    ]);
    expect(pod.metadata.annotations).toEqual({
      "example.com/owner": "payments",
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "7421",
      "prometheus.io/path": "/metrics",
    });
    const c = pod.spec.containers[0];
    expect(c.resources).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "2", memory: "2Gi" },
    });
    expect(c.env.at(-1)).toEqual({ name: "TZ", value: "UTC" });
  });

  it("admits scalerNamespaces (an Output too) to the health port only, and no namespace rule for []", () => {
    const ingress = (n: string) =>
      (plain(named(n, T.networkPolicy, `${n}-network-policy`)) as Any).spec.ingress;
    expect(ingress("knobs").at(-1)).toEqual({
      from: [
        {
          namespaceSelector: {
            matchExpressions: [
              { key: "kubernetes.io/metadata.name", operator: "In", values: ["autoscaling"] },
            ],
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 7421 }],
    });
    expect(JSON.stringify(ingress("knobs"))).not.toContain('"keda"');
    expect(ingress("all").map((r: Any) => r.ports.map((p: Any) => p.port))).toEqual([
      [7419],
      [17419, 17420],
      [7421],
    ]);
    expect(JSON.stringify(ingress("all"))).not.toContain("namespaceSelector");
  });

  it("adds the extra conf.d files to the ConfigMap", () => {
    const cm = plain(named("knobs", T.configMap, "knobs-conf-d")) as Any;
    expect(cm.data).toEqual({ "throttles.toml": THROTTLES });
  });

  it("with an existing Secret: generates no password and keeps only the given Redis URL in a Secret of its own", () => {
    expect(runtime.ofType(T.password).filter((r) => ["byo", "all"].includes(r.parentName ?? ""))).toEqual([]);
    const own = childrenOf("byo").filter((r) => r.type === T.secret && r.name === "byo-secret");
    expect(own).toHaveLength(1);
    expect(Object.keys((plain(own[0]) as Any).stringData)).toEqual(["REDIS_URL"]);
    expect(secretRefs("byo")).toEqual({
      REDIS_URL: "byo-secret-0a1b2c3d",
      FAKTORY_PASSWORD: "faktory-credentials",
      FAKTORY_LICENSE: "faktory-credentials",
    });
  });

  it("with an existing Secret holding everything: creates no Secret and refers to it for every key", async () => {
    expect(childrenOf("all").filter((r) => r.type === T.secret && r.name === "all-secret")).toEqual([]);
    expect(secretRefs("all")).toEqual({
      REDIS_URL: "faktory-credentials",
      FAKTORY_PASSWORD: "faktory-credentials",
      FAKTORY_LICENSE: "faktory-credentials",
    });
    expect(await valueOf(all.passwordSecretName)).toBe("faktory-credentials");
  });
});

describe("Faktory (oss)", () => {
  let dev: Faktory;
  beforeAll(async () => {
    dev = new Faktory("dev", {
      edition: "oss",
      image: "contribsys/faktory:1.9.4",
      vpcCidrs: ["10.0.0.0/16"],
      storageClassName: "gp3",
    });
    await settle(dev);
  });

  it("runs one OSS server with its Redis on a claimed volume, without REDIS_URL or supervisor", () => {
    const sts = plain(named("dev", T.statefulSet, "dev-statefulset")) as Any;
    expect(validateKubernetesObject(sts)).toEqual([]);
    expect(sts.spec.replicas).toBe(1);
    const c = sts.spec.template.spec.containers[0];
    expect(c.command).toEqual(["/faktory", "-b", ":7419", "-w", ":7420", "-e", "production"]);
    expect(c.env).toEqual([
      {
        name: "FAKTORY_PASSWORD",
        valueFrom: { secretKeyRef: { name: "dev-secret-0a1b2c3d", key: "FAKTORY_PASSWORD" } },
      },
    ]);
    expect(c.ports.map((p: Any) => p.containerPort)).toEqual([7419, 7420]);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: "faktory" });
    // Its embedded Redis loads the whole RDB before the port opens: half an hour before liveness counts.
    expect(c.startupProbe).toEqual({
      tcpSocket: { port: "faktory" },
      periodSeconds: 10,
      failureThreshold: 180,
      timeoutSeconds: 1,
    });
    expect(c.volumeMounts.map((m: Any) => m.mountPath)).toEqual([
      "/etc/faktory/conf.d",
      "/tmp",
      "/var/lib/faktory",
    ]);
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "10Gi" } },
      storageClassName: "gp3",
    });
    expect((plain(named("dev", T.secret, "dev-secret")) as Any).stringData).toEqual({
      FAKTORY_PASSWORD: "generated-dev-password-secret-value",
    });
  });

  it("health-checks the job port over TCP and has no internal-port rule", () => {
    const nlb = plain(named("dev", T.service, "dev-nlb")) as Any;
    expect(
      nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol"],
    ).toBe("tcp");
    expect(
      nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"],
    ).toBeUndefined();
    expect(nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe("internal");
    const np = plain(named("dev", T.networkPolicy, "dev-network-policy")) as Any;
    const ports = np.spec.ingress.flatMap((rule: Any) => rule.ports.map((p: Any) => p.port));
    expect(ports).toEqual([7419, 7419]);
    // No supervisor, so no health port on the Service.
    const svc = plain(named("dev", T.service, "dev-service")) as Any;
    expect(svc.spec.ports.map((p: Any) => p.port)).toEqual([7419]);
    for (const r of childrenOf("dev").filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(validateKubernetesObject(plain(r)), r.name).toEqual([]);
    }
  });
});

describe("Faktory rejects bad args before creating children", () => {
  // Untyped overrides: the run-time checks stand for JavaScript callers, whatever the types allow.
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "secondaries with oss",
      { edition: "oss", redisUrl: undefined, license: undefined, secondaries: 1 },
      `secondaries=1 must be 0 with edition "oss"`,
    ],
    [
      "a floating image tag",
      { image: "contribsys/faktory:latest" },
      `image="contribsys/faktory:latest" is not pinned`,
    ],
    ["an image without a tag", { image: "contribsys/faktory" }, `image="contribsys/faktory" is not pinned`],
    ["enterprise without a license", { license: undefined }, `license is required with edition "enterprise"`],
    ["a misspelt arg", { secondary: 2 }, `secondary is not a known arg; did you mean "secondaries"?`],
    [
      "scalerNamespaces with oss",
      { edition: "oss", redisUrl: undefined, license: undefined, scalerNamespaces: ["keda"] },
      `scalerNamespaces is not used with edition "oss"`,
    ],
    [
      "a scaler namespace that is no namespace name",
      { scalerNamespaces: ["KEDA"] },
      `scalerNamespaces[0]="KEDA" must be a Kubernetes namespace name`,
    ],
  ];
  it.each(cases)("%s", (_label, override, message) => {
    const before = runtime.resources.length;
    const name = `bad-${runtime.resources.length}`;
    expect(() => new Faktory(name, { ...baseArgs, ...override } as FaktoryArgs)).toThrow(message);
    const created = runtime.resources.slice(before).filter((r) => r.type !== T.component);
    expect(created).toEqual([]);
  });
});
