// The Faktory component with TLS on mocks: the cert-manager Certificate only with `certManager`, the
// Secret mounted (never in env), the TLS ports on the Services and the NetworkPolicy, and the tcp+tls://
// outputs; bad `tls` args refused before any child exists.
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
import {
  certificateDnsNames,
  Faktory,
  validateKubernetesObject,
  type FaktoryArgs,
} from "../../../components/k8s";

const runtime = setupMocks();

const T = {
  component: "faktory-ha:k8s:Faktory",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  service: "kubernetes:core/v1:Service",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const PASSWORD = "given-faktory-password-42";
const base: FaktoryArgs = {
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:1.9.4",
  redisUrl: pulumi.secret("rediss://:redis-token@master.redis.example.internal:6379"),
  license: pulumi.secret("license-ABCDEF"),
  password: pulumi.secret(PASSWORD),
  vpcCidrs: ["10.0.0.0/16"],
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const plain = (r: RecordedResource): Any => unwrapSecrets(r.inputs);
const childrenOf = (name: string) => runtime.resources.filter((r) => r.parentName === name);
const child = (name: string, type: string, resourceName: string) => {
  const found = childrenOf(name).filter((r) => r.type === type && r.name === resourceName);
  expect(found, `${type} ${resourceName}`).toHaveLength(1);
  return plain(found[0]);
};
const container = (name: string) =>
  child(name, T.statefulSet, `${name}-statefulset`).spec.template.spec.containers[0];
const tlsEnv = (name: string) =>
  Object.fromEntries(
    container(name)
      .env.filter((e: Any) => e.name.includes("_TLS_"))
      .map((e: Any) => [e.name, e.value]),
  );

async function settle(f: Faktory): Promise<void> {
  await Promise.all([
    valueOf(f.urn),
    valueOf(f.inClusterUrl),
    valueOf(f.inClusterTlsUrl),
    valueOf(f.loadBalancerTlsUrl),
    valueOf(f.tlsSecretName),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("Faktory with TLS", () => {
  let provider: k8s.Provider;
  let managed: Faktory;
  let byo: Faktory;
  let plainOnly: Faktory;

  beforeAll(async () => {
    provider = new k8s.Provider("tls-k8s", { kubeconfig: "{}" });
    // cert-manager, required, the web UI on: every TLS port exposed, no plain one.
    managed = new Faktory(
      "managed",
      {
        ...base,
        namespace: "jobs",
        webUi: true,
        allowedNamespaces: ["workers"],
        tls: {
          mode: "required",
          certManager: {
            issuerName: "internal-ca",
            issuerKind: "ClusterIssuer",
            dnsNames: ["faktory.example.com"],
          },
        },
      },
      { provider },
    );
    // The user's Secret, optional: TLS beside the plain ports.
    byo = new Faktory(
      "byo",
      { ...base, serviceName: "faktory-byo", tls: { mode: "optional", secretName: "jobs-cert" } },
      { provider },
    );
    plainOnly = new Faktory("plain", { ...base, serviceName: "faktory-plain" }, { provider });
    await Promise.all([settle(managed), settle(byo), settle(plainOnly)]);
  });

  it("creates the Certificate <name>-tls only with certManager, parented to the component, valid for cert-manager", () => {
    const certs = runtime.ofType(T.certificate);
    expect(certs.map((r) => `${r.parentType} ${r.parentName} ${r.name}`)).toEqual([
      `${T.component} managed managed-tls`,
    ]);
    const cert = plain(certs[0]);
    expect(cert.apiVersion).toBe("cert-manager.io/v1");
    expect(cert.kind).toBe("Certificate");
    expect(cert.metadata).toMatchObject({ name: "managed-tls", namespace: "jobs" });
    expect(cert.spec).toMatchObject({
      secretName: "managed-tls",
      issuerRef: { name: "internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
      // The Service's names in the component's namespace, then the given ones (the builder's own test).
      dnsNames: certificateDnsNames("faktory", "jobs", ["faktory.example.com"]),
      usages: ["digital signature", "server auth"],
    });
    expect(validateKubernetesObject(cert)).toEqual([]);
    expect(certs[0].provider).toContain("tls-k8s");
  });

  it("mounts the Secret read-only at the contract's directory and names it only there, never in env", () => {
    for (const [name, secretName] of [
      ["managed", "managed-tls"],
      ["byo", "jobs-cert"],
    ] as const) {
      const sts = child(name, T.statefulSet, `${name}-statefulset`);
      expect(validateKubernetesObject(sts)).toEqual([]);
      const pod = sts.spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: "tls", secret: { secretName, defaultMode: 0o440 } });
      expect(pod.containers[0].volumeMounts).toContainEqual({
        name: "tls",
        mountPath: "/etc/faktory-ha/tls",
        readOnly: true,
      });
      expect(JSON.stringify(pod.containers[0].env)).not.toContain(secretName);
      expect(containsSecret(runtime.one(T.statefulSet, `${name}-statefulset`).inputs)).toBe(false);
    }
    expect(JSON.stringify(container("plain"))).not.toContain("tls");
  });

  it("sets the contract's TLS variables, and none with TLS off", () => {
    expect(tlsEnv("managed")).toEqual({
      FAKTORY_HA_TLS_MODE: "required",
      FAKTORY_HA_TLS_DIR: "/etc/faktory-ha/tls",
      FAKTORY_HA_TLS_PORT: "7429",
      FAKTORY_HA_TLS_WEB_PORT: "7430",
      FAKTORY_HA_PEER_TLS_PORT: "17429",
    });
    expect(tlsEnv("byo").FAKTORY_HA_TLS_MODE).toBe("optional");
    expect(tlsEnv("plain")).toEqual({});
  });

  it("exposes the TLS ports on both Services: only they with required, beside the plain ones with optional", () => {
    const ports = (name: string, resource: string) =>
      child(name, T.service, resource).spec.ports.map((p: Any) => `${p.name}:${p.port}`);
    // The ClusterIP Service also serves the plain health port (the scaler endpoint); the NLB never does.
    expect(ports("managed", "managed-service")).toEqual(["faktory-tls:7429", "web-tls:7430", "health:7421"]);
    expect(ports("managed", "managed-nlb")).toEqual(["faktory-tls:7429", "web-tls:7430"]);
    expect(ports("byo", "byo-service")).toEqual(["faktory:7419", "faktory-tls:7429", "health:7421"]);
    expect(ports("byo", "byo-nlb")).toEqual(["faktory:7419", "faktory-tls:7429"]);
    expect(ports("plain", "plain-service")).toEqual(["faktory:7419", "health:7421"]);
  });

  it("admits the TLS ports like 7419, and the peer port only from the workload's own pods", () => {
    const ingress = (name: string) =>
      child(name, T.networkPolicy, `${name}-network-policy`).spec.ingress.map((rule: Any) =>
        rule.ports.map((p: Any) => p.port),
      );
    // The health port from the VPC and from KEDA's namespace: plain whatever the TLS mode.
    expect(ingress("managed")).toEqual([[7429, 7430], [17429], [7421], [7421]]);
    expect(ingress("byo")).toEqual([[7419, 7429], [17419, 17420, 17429], [7421], [7421]]);
    const ownPods = child("managed", T.networkPolicy, "managed-network-policy").spec.ingress[1].from;
    expect(ownPods).toEqual([
      {
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "faktory",
            "app.kubernetes.io/instance": "managed",
            "app.kubernetes.io/component": "server",
          },
        },
      },
    ]);
  });

  it("outputs tcp+tls:// URLs (secret) and the Secret's name; with required the plain URLs are the TLS ones", async () => {
    const nlbHost = "k8s-managed-nlb-0123456789.elb.us-east-1.amazonaws.com";
    expect(await valueOf(managed.inClusterTlsUrl)).toBe(
      `tcp+tls://:${PASSWORD}@faktory.jobs.svc.cluster.local:7429`,
    );
    expect(await valueOf(managed.inClusterUrl)).toBe(await valueOf(managed.inClusterTlsUrl));
    expect(await valueOf(managed.loadBalancerHostname)).toBe(nlbHost);
    expect(await valueOf(managed.loadBalancerTlsUrl)).toBe(`tcp+tls://:${PASSWORD}@${nlbHost}:7429`);
    expect(await valueOf(managed.loadBalancerUrl)).toBe(await valueOf(managed.loadBalancerTlsUrl));
    expect(await valueOf(managed.tlsSecretName)).toBe("managed-tls");
    // optional: the plain URLs stay plain, the TLS ones beside them.
    expect(await valueOf(byo.inClusterUrl)).toBe(`tcp://:${PASSWORD}@faktory-byo.byo.svc.cluster.local:7419`);
    expect(await valueOf(byo.inClusterTlsUrl)).toBe(
      `tcp+tls://:${PASSWORD}@faktory-byo.byo.svc.cluster.local:7429`,
    );
    expect(await valueOf(byo.tlsSecretName)).toBe("jobs-cert");
    for (const output of [
      managed.inClusterUrl,
      managed.inClusterTlsUrl,
      managed.loadBalancerTlsUrl,
      byo.inClusterTlsUrl,
    ]) {
      expect(await isSecret(output)).toBe(true);
    }
    // off: no TLS output.
    expect(await valueOf(plainOnly.inClusterTlsUrl)).toBeUndefined();
    expect(await valueOf(plainOnly.loadBalancerTlsUrl)).toBeUndefined();
    expect(await valueOf(plainOnly.tlsSecretName)).toBeUndefined();
    expect(runtime.unknownCalls).toEqual([]);
  });

  it("without an NLB: no load-balancer TLS URL", async () => {
    const local = new Faktory(
      "local",
      { ...base, loadBalancer: false, tls: { mode: "required", secretName: "local-cert" } },
      { provider },
    );
    await settle(local);
    expect(await valueOf(local.loadBalancerTlsUrl)).toBeUndefined();
    expect(await valueOf(local.inClusterUrl)).toBe(
      `tcp+tls://:${PASSWORD}@faktory.local.svc.cluster.local:7429`,
    );
  });
});

describe("Faktory refuses bad tls args before creating children", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "TLS on without a certificate",
      { tls: { mode: "required" } },
      'tls must name the certificate with tls.mode "required"',
    ],
    [
      "a TLS port on the health port",
      { tls: { mode: "optional", secretName: "c", port: 7421 } },
      "tls.port=7421 is also the health port (7421)",
    ],
    [
      "tls with oss",
      { edition: "oss", redisUrl: undefined, license: undefined, tls: { mode: "required", secretName: "c" } },
      'tls is not used with edition "oss"',
    ],
  ];
  it.each(cases)("%s", (_label, override, message) => {
    const before = runtime.resources.length;
    const name = `bad-tls-${before}`;
    expect(() => new Faktory(name, { ...base, ...override } as FaktoryArgs)).toThrow(message);
    expect(runtime.resources.slice(before).filter((r) => r.type !== T.component)).toEqual([]);
  });
});
