// The TLS builders, table-driven, each object checked against its schema: ports per audience and mode, the
// environment, the Secret's volume, the Services, the NetworkPolicy and the cert-manager Certificate.
import { describe, expect, it } from "vitest";
import {
  buildCertificate,
  buildClusterService,
  buildEnv,
  buildNetworkPolicy,
  buildNlbService,
  buildStatefulSet,
  certificateDnsNames,
  clientPorts,
  containerPorts,
  podToPodPorts,
  selectorLabels,
  tlsVolumes,
  validateKubernetesObject,
} from "../../../components/k8s";
import { DEFAULTS, resolveSettings } from "../../../components/k8s/settings";
import type { ResolvedTls } from "../../../components/k8s/tls/manifests";
import type { WorkloadInput } from "../../../components/k8s/workload";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const on = (mode: "optional" | "required", over: Partial<ResolvedTls> = {}): ResolvedTls => ({
  mode,
  port: 7429,
  webPort: 7430,
  peerPort: 17429,
  dir: "/etc/faktory-ha/tls",
  secretName: "prod-tls",
  ...over,
});
const OFF: ResolvedTls = { mode: "off" };
const lease = DEFAULTS.lease;

describe("ports per audience and mode", () => {
  it.each([
    ["off", false, OFF, ["faktory"], [7419]],
    ["off", true, OFF, ["faktory", "web"], [7419, 7420]],
    ["optional", false, on("optional"), ["faktory", "faktory-tls"], [7419, 7429]],
    [
      "optional",
      true,
      on("optional"),
      ["faktory", "web", "faktory-tls", "web-tls"],
      [7419, 7420, 7429, 7430],
    ],
    ["required", false, on("required"), ["faktory-tls"], [7429]],
    ["required", true, on("required"), ["faktory-tls", "web-tls"], [7429, 7430]],
    [
      "required on the plain numbers",
      true,
      on("required", { port: 7419, webPort: 7420 }),
      ["faktory-tls", "web-tls"],
      [7419, 7420],
    ],
  ] as const)("clients, %s, webUi=%s", (_mode, webUi, tls, names, ports) => {
    expect(clientPorts(webUi, tls).map((p) => p.name)).toEqual(names);
    expect(clientPorts(webUi, tls).map((p) => p.port)).toEqual(ports);
  });

  it.each([
    ["off", OFF, [17419, 17420]],
    ["optional", on("optional"), [17419, 17420, 17429]],
    ["required", on("required"), [17429]],
  ] as const)("the other pods, %s", (_mode, tls, ports) => {
    expect(podToPodPorts(tls)).toEqual(ports);
  });

  const always = ["health:7421", "internal:17419", "internal-web:17420"];
  const tlsPorts = ["faktory-tls:7429", "web-tls:7430"];
  it.each([
    ["off", OFF, ["faktory:7419", "web:7420", ...always]],
    ["optional", on("optional"), ["faktory:7419", "web:7420", ...tlsPorts, ...always, "peer-tls:17429"]],
    ["required", on("required"), [...tlsPorts, ...always, "peer-tls:17429"]],
  ] as const)("the container (enterprise), %s", (_mode, tls, ports) => {
    expect(containerPorts("enterprise", tls).map((p) => `${p.name}:${p.containerPort}`)).toEqual(ports);
  });

  it("the open-source container: its own two ports", () => {
    expect(containerPorts("oss").map((p) => p.containerPort)).toEqual([7419, 7420]);
  });
});

describe("env", () => {
  const env = (tls: ResolvedTls) =>
    Object.fromEntries(
      buildEnv({ edition: "enterprise", secretName: "s", lease, tls })
        .filter((e) => e.name.includes("TLS"))
        .map((e) => [e.name, e.value]),
    );
  it("sets no TLS variable with TLS off", () => {
    expect(env(OFF)).toEqual({});
    expect(buildEnv({ edition: "enterprise", secretName: "s", lease, tls: OFF })).toEqual(
      buildEnv({ edition: "enterprise", secretName: "s", lease }),
    );
  });
  it("sets the contract's variables, never the key: the certificate is a mounted directory", () => {
    expect(env(on("required", { port: 7419 }))).toEqual({
      FAKTORY_HA_TLS_MODE: "required",
      FAKTORY_HA_TLS_DIR: "/etc/faktory-ha/tls",
      FAKTORY_HA_TLS_PORT: "7419",
      FAKTORY_HA_TLS_WEB_PORT: "7430",
      FAKTORY_HA_PEER_TLS_PORT: "17429",
    });
    const all = buildEnv({ edition: "enterprise", secretName: "s", lease, tls: on("optional") });
    expect(all).toHaveLength(27);
    expect(all.some((e) => e.valueFrom?.secretKeyRef?.name === "prod-tls")).toBe(false);
  });
});

describe("the Secret's volume", () => {
  it("none with TLS off", () => {
    expect(tlsVolumes(OFF)).toEqual({ volumes: [], mounts: [] });
  });
  it("the whole Secret, read-only, at the contract's directory; key files readable by the pod's group only", () => {
    expect(tlsVolumes(on("required"))).toEqual({
      volumes: [{ name: "tls", secret: { secretName: "prod-tls", defaultMode: 0o440 } }],
      mounts: [{ name: "tls", mountPath: "/etc/faktory-ha/tls", readOnly: true }],
    });
  });
  it("is in the StatefulSet, with the TLS ports and the probes unchanged, valid for Kubernetes", () => {
    const settings = resolveSettings("prod", {
      image: "repo/faktory-ha:1.9.4",
      redisUrl: "redis://r:6379",
      license: "l",
      vpcCidrs: [],
    });
    const input = (tls: ResolvedTls): WorkloadInput => ({
      name: "prod",
      namespace: "faktory",
      instance: "prod",
      edition: "enterprise",
      replicas: 3,
      image: "repo/faktory-ha:1.9.4",
      env: buildEnv({ edition: "enterprise", secretName: "s", lease, tls }),
      serviceName: "faktory",
      serviceAccountName: "prod",
      configMapName: "prod-conf-d",
      liveness: settings.liveness,
      readiness: DEFAULTS.readiness,
      terminationGracePeriodSeconds: 30,
      resources: { requests: DEFAULTS.requests, limits: DEFAULTS.limits },
      runAsUser: 1000,
      tls,
    });
    const plain = buildStatefulSet(input(OFF)) as Any;
    const sts = buildStatefulSet(input(on("required"))) as Any;
    expect(validateKubernetesObject(sts)).toEqual([]);
    const pod = sts.spec.template.spec;
    const c = pod.containers[0];
    expect(c.volumeMounts.at(-1)).toEqual({ name: "tls", mountPath: "/etc/faktory-ha/tls", readOnly: true });
    expect(pod.volumes.at(-1)).toEqual({
      name: "tls",
      secret: { secretName: "prod-tls", defaultMode: 0o440 },
    });
    expect(c.ports.map((p: Any) => p.name)).toEqual(
      containerPorts("enterprise", on("required")).map((p) => p.name),
    );
    const plainC = plain.spec.template.spec.containers[0];
    expect([c.livenessProbe, c.readinessProbe]).toEqual([plainC.livenessProbe, plainC.readinessProbe]);
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health", scheme: "HTTP" });
    // Faktory listens on loopback only with TLS required; on every interface otherwise (a plain pod of a
    // migration dials it).
    const binds = (x: Any) => {
      const cmd: string[] = x.spec.template.spec.containers[0].command;
      return [cmd[cmd.indexOf("-b") + 1], cmd[cmd.indexOf("-w") + 1]];
    };
    expect(binds(sts)).toEqual(["127.0.0.1:17419", "127.0.0.1:17420"]);
    expect(binds(buildStatefulSet(input(on("optional"))))).toEqual([":17419", ":17420"]);
    expect(binds(plain)).toEqual([":17419", ":17420"]);
  });
});

describe("Services", () => {
  it.each([
    ["optional", on("optional"), [7419, 7420, 7429, 7430]],
    ["required", on("required"), [7429, 7430]],
  ] as const)(
    "%s: the ClusterIP Service and the NLB expose %j, each to its named container port",
    (_m, tls, ports) => {
      const input = { name: "faktory", namespace: "ns", instance: "prod", webUi: true, tls };
      const cluster = buildClusterService(input) as Any;
      const nlb = buildNlbService({ ...input, edition: "enterprise", deregistrationDelaySeconds: 5 }) as Any;
      // The ClusterIP Service also serves the plain health port (KEDA reads /scaler there); the NLB does not.
      for (const [svc, expected] of [
        [cluster, [...ports, 7421]],
        [nlb, ports],
      ] as const) {
        expect(svc.spec.ports.map((p: Any) => p.port)).toEqual(expected);
        for (const p of svc.spec.ports) expect(p.targetPort).toBe(p.name);
        expect(validateKubernetesObject(svc)).toEqual([]);
      }
      // The NLB's health check stays on the plain health port: it is the kubelet's and the NLB's, not the clients'.
      expect(nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"]).toBe(
        "7421",
      );
    },
  );
});

describe("NetworkPolicy", () => {
  const base = {
    name: "prod",
    namespace: "ns",
    instance: "prod",
    edition: "enterprise" as const,
    webUi: true,
    allowedNamespaces: ["workers"],
    allowedCidrs: ["10.1.0.0/16"],
    vpcCidrs: ["10.0.0.0/16"],
  };
  const clients = [
    { podSelector: {} },
    {
      namespaceSelector: {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["workers"] }],
      },
    },
    { ipBlock: { cidr: "10.1.0.0/16" } },
  ];
  const ownPods = [{ podSelector: { matchLabels: selectorLabels({ instance: "prod" }) } }];
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
  const health = { from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: tcp(7421) };

  it("optional: the TLS client ports beside the plain ones from the same sources; the peer port beside the internal ones, from the own pods only", () => {
    const np = buildNetworkPolicy({ ...base, tls: on("optional") }) as Any;
    expect(np.spec.ingress).toEqual([
      { from: clients, ports: tcp(7419, 7420, 7429, 7430) },
      { from: ownPods, ports: tcp(17419, 17420, 17429) },
      health,
    ]);
    expect(validateKubernetesObject(np)).toEqual([]);
  });

  it("required: no plain client port and no plain port between the pods", () => {
    const np = buildNetworkPolicy({ ...base, tls: on("required", { peerPort: 17500 }) }) as Any;
    expect(np.spec.ingress).toEqual([
      { from: clients, ports: tcp(7429, 7430) },
      { from: ownPods, ports: tcp(17500) },
      health,
    ]);
    expect(validateKubernetesObject(np)).toEqual([]);
  });

  it("off: as without TLS", () => {
    expect(buildNetworkPolicy({ ...base, tls: OFF })).toEqual(buildNetworkPolicy(base));
  });
});

describe("cert-manager Certificate", () => {
  const certManager = {
    issuerName: "internal-ca",
    issuerKind: "ClusterIssuer" as const,
    dnsNames: ["faktory.example.com", "faktory.jobs"],
    duration: "720h",
    renewBefore: "240h",
  };

  it("holds the Service's four names, then the caller's, once each", () => {
    expect(certificateDnsNames("faktory", "jobs", ["faktory.example.com", "faktory.jobs"])).toEqual([
      "faktory",
      "faktory.jobs",
      "faktory.jobs.svc",
      "faktory.jobs.svc.cluster.local",
      "faktory.example.com",
    ]);
  });

  it("is <name>-tls, writes the Secret <name>-tls, server auth, P-256 with a new key per renewal, and makes Pulumi wait until issued", () => {
    const cert = buildCertificate({
      instance: "prod",
      namespace: "jobs",
      serviceName: "faktory",
      certManager,
      labels: { team: "payments" },
    });
    const labels = {
      team: "payments",
      ...selectorLabels({ instance: "prod" }),
      "app.kubernetes.io/part-of": "faktory-ha",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    expect(cert).toEqual({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: {
        name: "prod-tls",
        namespace: "jobs",
        labels,
        annotations: { "pulumi.com/waitFor": "condition=Ready" },
      },
      spec: {
        secretName: "prod-tls",
        secretTemplate: { labels },
        issuerRef: { name: "internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
        dnsNames: [
          "faktory",
          "faktory.jobs",
          "faktory.jobs.svc",
          "faktory.jobs.svc.cluster.local",
          "faktory.example.com",
        ],
        duration: "720h",
        renewBefore: "240h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["digital signature", "server auth"],
      },
    });
    expect(validateKubernetesObject(cert)).toEqual([]);
  });

  it("leaves duration and renewBefore to cert-manager when not given", () => {
    const spec = buildCertificate({
      instance: "prod",
      namespace: "jobs",
      serviceName: "faktory",
      certManager: { issuerName: "ca", issuerKind: "Issuer", dnsNames: [] },
    }).spec as Any;
    expect(Object.keys(spec)).not.toContain("duration");
    expect(Object.keys(spec)).not.toContain("renewBefore");
    expect(spec.issuerRef).toEqual({ name: "ca", kind: "Issuer", group: "cert-manager.io" });
  });

  it("is checked offline against what cert-manager refuses", () => {
    const broken = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "prod-tls" },
      spec: {
        issuerRef: {},
        dnsNames: [],
        duration: "30m",
        renewBefore: "2h",
        usages: ["server auth", "serverAuth"],
        privateKey: { algorithm: "ECDSA", size: 2048, rotationPolicy: "Sometimes" },
      },
    };
    expect(validateKubernetesObject(broken)).toEqual([
      "cert-manager.io/v1/Certificate /spec/secretName: is required",
      "cert-manager.io/v1/Certificate /spec/issuerRef/name: is required",
      "cert-manager.io/v1/Certificate /spec: must name a subject: commonName, dnsNames or another",
      "cert-manager.io/v1/Certificate /spec/usages: must list cert-manager key usages",
      "cert-manager.io/v1/Certificate /spec/duration: must be a Go duration of at least 1h",
      "cert-manager.io/v1/Certificate /spec/renewBefore: must be shorter than the duration",
      "cert-manager.io/v1/Certificate /spec/privateKey/size: must be one of 256, 384, 521 for ECDSA",
      'cert-manager.io/v1/Certificate /spec/privateKey/rotationPolicy: must be "Never" or "Always"',
    ]);
    expect(
      validateKubernetesObject({ apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: {} }),
    ).toEqual([
      "cert-manager.io/v1/Certificate /metadata/name: is required",
      "cert-manager.io/v1/Certificate /spec: must be an object",
    ]);
  });
});
