// Pure builders, table-driven, each object checked against the Kubernetes schema. No Pulumi here.
import { describe, expect, it } from "vitest";
import {
  buildClusterService,
  buildEnv,
  buildNetworkPolicy,
  buildNlbService,
  buildPodDisruptionBudget,
  buildStatefulSet,
  commonLabels,
  nlbAnnotations,
  renderStatsdToml,
  selectorLabels,
  validateKubernetesObject,
} from "../../../components/k8s";
import { DEFAULTS, resolveSettings } from "../../../components/k8s/settings";
import type { WorkloadInput } from "../../../components/k8s/workload";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const lease = resolveSettings("x", {
  image: "i:1",
  redisUrl: "redis://r:6379",
  license: "l",
  vpcCidrs: [],
}).lease;

function workload(edition: "enterprise" | "oss", over: Partial<WorkloadInput> = {}): WorkloadInput {
  return {
    name: "prod",
    namespace: "faktory",
    instance: "prod",
    edition,
    replicas: edition === "oss" ? 1 : 3,
    image: "repo/faktory-ha:1.9.4",
    env: buildEnv({ edition, secretName: "prod-secrets", lease }),
    serviceName: "faktory",
    serviceAccountName: "prod",
    configMapName: "prod-conf-d",
    liveness: DEFAULTS.liveness,
    readiness: DEFAULTS.readiness,
    terminationGracePeriodSeconds: 30,
    resources: { requests: DEFAULTS.requests, limits: DEFAULTS.limits },
    runAsUser: 1000,
    storage: { size: "5Gi" },
    ...over,
  };
}

describe("labels", () => {
  it("selector = name + instance + component, and common labels never override it", () => {
    expect(selectorLabels({ instance: "a" })).toEqual({
      "app.kubernetes.io/name": "faktory",
      "app.kubernetes.io/instance": "a",
      "app.kubernetes.io/component": "server",
    });
    const labels = commonLabels({ instance: "a" }, { "app.kubernetes.io/instance": "b", team: "payments" });
    expect(labels["app.kubernetes.io/instance"]).toBe("a");
    expect(labels.team).toBe("payments");
    expect(selectorLabels({ instance: "a" })).not.toEqual(selectorLabels({ instance: "b" }));
  });
});

describe("env", () => {
  it.each([
    ["enterprise", 22],
    ["oss", 1],
  ] as const)("%s: %i variables, secrets only as secretKeyRef", (edition, count) => {
    const env = buildEnv({ edition, secretName: "s", lease });
    expect(env).toHaveLength(count);
    for (const e of env.filter((v) => /REDIS_URL|PASSWORD|LICENSE/.test(v.name))) {
      expect(e.value).toBeUndefined();
      expect(e.valueFrom?.secretKeyRef).toEqual({ name: "s", key: e.name });
    }
    expect(new Set(env.map((e) => e.name)).size).toBe(count);
  });
  it("carries the lease timings given", () => {
    const env = buildEnv({
      edition: "enterprise",
      secretName: "s",
      lease: { ...lease, ttlMs: 12000, keyPrefix: "p", database: 3 },
    });
    expect(env.find((e) => e.name === "FAKTORY_HA_LEASE_TTL_MS")?.value).toBe("12000");
    expect(env.find((e) => e.name === "FAKTORY_HA_KEY_PREFIX")?.value).toBe("p");
    expect(env.find((e) => e.name === "FAKTORY_HA_LEASE_DB")?.value).toBe("3");
  });
});

describe("statsd.toml", () => {
  it.each([
    [{ location: "agent:8125" }, '[statsd]\nlocation = "agent:8125"\nnamespace = "faktory"\n'],
    [
      { location: "agent:8125", namespace: "fk", tags: ["env:prod", 'q"x'] },
      '[statsd]\nlocation = "agent:8125"\nnamespace = "fk"\ntags = ["env:prod", "q\\"x"]\n',
    ],
  ])("%j", (statsd, expected) => {
    expect(renderStatsdToml(statsd)).toBe(expected);
  });
});

describe("StatefulSet", () => {
  it.each(["enterprise", "oss"] as const)("%s validates against the schema", (edition) => {
    expect(validateKubernetesObject(buildStatefulSet(workload(edition)))).toEqual([]);
  });
  it("adds the pull secret only when given", () => {
    const without = buildStatefulSet(workload("enterprise")) as Any;
    expect(without.spec.template.spec.imagePullSecrets).toBeUndefined();
    const withSecret = buildStatefulSet(workload("enterprise", { imagePullSecretName: "reg" })) as Any;
    expect(withSecret.spec.template.spec.imagePullSecrets).toEqual([{ name: "reg" }]);
  });
  it("claims a volume only for oss", () => {
    expect((buildStatefulSet(workload("enterprise")) as Any).spec.volumeClaimTemplates).toBeUndefined();
    expect((buildStatefulSet(workload("oss")) as Any).spec.volumeClaimTemplates[0].spec.resources).toEqual({
      requests: { storage: "5Gi" },
    });
  });
});

describe("Services and PDB", () => {
  it.each([
    [false, [7419]],
    [true, [7419, 7420]],
  ])(
    "webUi=%s exposes %j (the ClusterIP Service also the health port, for KEDA's scaler reads)",
    (webUi, ports) => {
      const input = { name: "faktory", namespace: "ns", instance: "prod", webUi };
      const cluster = buildClusterService(input) as Any;
      const nlb = buildNlbService({ ...input, edition: "enterprise", deregistrationDelaySeconds: 5 }) as Any;
      expect(cluster.spec.ports.map((p: Any) => p.port)).toEqual([...ports, 7421]);
      expect(cluster.spec.ports.at(-1)).toEqual({
        name: "health",
        port: 7421,
        targetPort: "health",
        protocol: "TCP",
      });
      // Open-source Faktory has no supervisor, so no health port.
      const oss = buildClusterService({ ...input, edition: "oss" }) as Any;
      expect(oss.spec.ports.map((p: Any) => p.port)).toEqual(ports);
      expect(nlb.spec.ports.map((p: Any) => p.port)).toEqual(ports);
      expect(validateKubernetesObject(cluster)).toEqual([]);
      expect(validateKubernetesObject(nlb)).toEqual([]);
    },
  );
  it.each([
    ["enterprise", "http", "7421", "/readyz"],
    ["oss", "tcp", "traffic-port", undefined],
  ] as const)("%s NLB: internal, IP targets, health check %s", (edition, protocol, port, path) => {
    const a = nlbAnnotations({ edition, deregistrationDelaySeconds: 7 });
    const lb = "service.beta.kubernetes.io/aws-load-balancer";
    expect(a[`${lb}-type`]).toBe("external");
    expect(a[`${lb}-nlb-target-type`]).toBe("ip");
    expect(a[`${lb}-scheme`]).toBe("internal");
    expect(a[`${lb}-healthcheck-protocol`]).toBe(protocol);
    expect(a[`${lb}-healthcheck-port`]).toBe(port);
    expect(a[`${lb}-healthcheck-path`]).toBe(path);
    expect(a[`${lb}-target-group-attributes`]).toBe(
      "deregistration_delay.timeout_seconds=7,preserve_client_ip.enabled=true",
    );
    expect(a[`${lb}-attributes`]).toBe("load_balancing.cross_zone.enabled=true");
    expect(Object.values(a).every((v) => typeof v === "string")).toBe(true);
  });
  it("PDB allows one pod down and selects the workload", () => {
    const pdb = buildPodDisruptionBudget({ name: "prod", namespace: "ns", instance: "prod" }) as Any;
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels({ instance: "prod" }) },
    });
    expect(validateKubernetesObject(pdb)).toEqual([]);
  });
});

describe("NetworkPolicy", () => {
  const base = {
    name: "prod",
    namespace: "ns",
    instance: "prod",
    webUi: false,
    allowedNamespaces: [] as string[],
    allowedCidrs: ["10.1.0.0/16"],
    vpcCidrs: ["10.0.0.0/16"],
  };
  it.each([
    ["enterprise", false, [[7419], [17419, 17420], [7421]]],
    ["enterprise", true, [[7419, 7420], [17419, 17420], [7421]]],
    ["oss", false, [[7419], [7419]]],
  ] as const)("%s webUi=%s admits ports %j per rule", (edition, webUi, ports) => {
    const np = buildNetworkPolicy({ ...base, edition, webUi }) as Any;
    expect(np.spec.ingress.map((r: Any) => r.ports.map((p: Any) => p.port))).toEqual(ports);
    expect(validateKubernetesObject(np)).toEqual([]);
  });
  it("internal ports only from the same workload's pods", () => {
    const np = buildNetworkPolicy({ ...base, edition: "enterprise" }) as Any;
    expect(np.spec.ingress[1].from).toEqual([
      { podSelector: { matchLabels: selectorLabels({ instance: "prod" }) } },
    ]);
  });
  it("admits the scaler namespaces to the health port only, in a rule of their own, and nothing for none", () => {
    const np = buildNetworkPolicy({
      ...base,
      edition: "enterprise",
      scalerNamespaces: ["keda", "autoscaling"],
    }) as Any;
    expect(np.spec.ingress).toHaveLength(4);
    expect(np.spec.ingress[3]).toEqual({
      from: [
        {
          namespaceSelector: {
            matchExpressions: [
              { key: "kubernetes.io/metadata.name", operator: "In", values: ["keda", "autoscaling"] },
            ],
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 7421 }],
    });
    expect(validateKubernetesObject(np)).toEqual([]);
    // No other rule names them: not the job port, not the internal ports.
    const others = JSON.stringify(np.spec.ingress.slice(0, 3));
    expect(others).not.toContain("keda");
    for (const none of [[], undefined]) {
      const without = buildNetworkPolicy({ ...base, edition: "enterprise", scalerNamespaces: none }) as Any;
      expect(without.spec.ingress).toHaveLength(3);
    }
    // OSS has no health port: the list changes nothing.
    const oss = buildNetworkPolicy({ ...base, edition: "oss", scalerNamespaces: ["keda"] }) as Any;
    expect(oss.spec.ingress.map((r: Any) => r.ports.map((p: Any) => p.port))).toEqual([[7419], [7419]]);
  });
  it("omits the namespace peer when no namespace is allowed", () => {
    const np = buildNetworkPolicy({ ...base, edition: "enterprise" }) as Any;
    expect(np.spec.ingress[0].from).toEqual([{ podSelector: {} }, { ipBlock: { cidr: "10.1.0.0/16" } }]);
  });
});

describe("validateKubernetesObject catches the seed's mistakes", () => {
  it("two volumes on one mountPath", () => {
    const sts = buildStatefulSet(workload("enterprise")) as Any;
    sts.spec.template.spec.containers[0].volumeMounts.push({
      name: "other",
      mountPath: "/etc/faktory/conf.d",
    });
    expect(validateKubernetesObject(sts)).toEqual([
      "apps/v1/StatefulSet container faktory: mountPath /etc/faktory/conf.d is used more than once",
    ]);
  });
  it("a selector that does not match the pod labels", () => {
    const sts = buildStatefulSet(workload("enterprise")) as Any;
    sts.spec.selector.matchLabels["app.kubernetes.io/instance"] = "other";
    expect(validateKubernetesObject(sts)).toEqual([
      "apps/v1/StatefulSet /spec/selector/matchLabels/app.kubernetes.io/instance: selector does not match the pod template labels",
    ]);
  });
  it("schema errors name the path", () => {
    const svc = buildClusterService({ name: "f", namespace: "n", instance: "p", webUi: false }) as Any;
    svc.spec.ports[0].port = "7419";
    expect(validateKubernetesObject(svc)).toEqual(["v1/Service /spec/ports/0/port: must be integer"]);
  });
  it("unknown kinds and non-objects", () => {
    expect(validateKubernetesObject({ apiVersion: "v1", kind: "Pod" })[0]).toMatch(
      /^v1\/Pod: no schema known/,
    );
    expect(validateKubernetesObject("x")).toEqual(["not an object"]);
  });
});
