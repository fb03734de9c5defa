// The Workers component on mocks: its Deployment, PodDisruptionBudget, password copy and KEDA ScaledObject,
// wired to a Faktory component of the same stack or to an external Faktory.
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  containsSecret,
  setupMocks,
  unwrapSecrets,
  valueOf,
  type RecordedResource,
} from "../../support/pulumi-mocks";
import { Faktory, Workers, validateKubernetesObject, type FaktoryArgs } from "../../../components/k8s";

const runtime = setupMocks();

const PASSWORD = "faktory-password-0123456789";
const REDIS_URL = "rediss://:redis-token-abcdef@master.redis.example.internal:6379";
const LICENSE = "license-0123456789";
const SECRET_VALUES = [PASSWORD, REDIS_URL, "redis-token-abcdef", LICENSE];
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mailer:2.3.1";

const T = {
  component: "faktory-ha:k8s:Workers",
  deployment: "kubernetes:apps/v1:Deployment",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  secret: "kubernetes:core/v1:Secret",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
};

const faktoryArgs: FaktoryArgs = {
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:1.9.4",
  redisUrl: pulumi.secret(REDIS_URL),
  license: pulumi.secret(LICENSE),
  password: pulumi.secret(PASSWORD),
  vpcCidrs: ["10.0.0.0/16"],
  loadBalancer: false,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const plain = (r: RecordedResource): Any => unwrapSecrets(r.inputs);
const childrenOf = (name: string) => runtime.resources.filter((r) => r.parentName === name);
const child = (component: string, type: string, role: string) =>
  runtime
    .ofType(type)
    .find((r) => r.name === `${component}-${role}` && r.parentName === component) as RecordedResource;
const deploymentOf = (name: string) => plain(child(name, T.deployment, "deployment"));
const envOf = (name: string): Record<string, unknown> =>
  Object.fromEntries(
    deploymentOf(name).spec.template.spec.containers[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom]),
  );

async function settle(...components: (Workers | Faktory)[]): Promise<void> {
  await Promise.all(components.map((c) => valueOf(c.urn)));
  await Promise.all(
    components.flatMap((c) =>
      c instanceof Workers ? [valueOf(c.deploymentName), valueOf(c.scaledObjectName)] : [],
    ),
  );
  // Registrations finish after their inputs resolve; one more turn for the last of them.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("Workers of a Faktory component", () => {
  let provider: k8s.Provider;
  let mailers: Workers;
  let reports: Workers;

  beforeAll(async () => {
    provider = new k8s.Provider("workers-k8s", { kubeconfig: "{}" });
    const jobs = new Faktory("jobs", faktoryArgs, { provider });
    // In the Faktory's namespace, autoscaled on latency and backlog, with every pod knob.
    mailers = new Workers(
      "mailers",
      {
        faktory: jobs,
        image: IMAGE,
        command: ["node", "worker.js"],
        queues: { critical: 3, mail: 1 },
        concurrency: 10,
        shutdownTimeoutSeconds: 30,
        autoscaling: {
          targetLatencySeconds: 20,
          targetBacklogPerReplica: 10,
          activationLatencySeconds: 2,
          minReplicas: 0,
          maxReplicas: 12,
        },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
        labels: { team: "mail" },
        podLabels: { "sidecar.istio.io/inject": "false" },
        podAnnotations: { "example.com/owner": "mail" },
        nodeSelector: { "karpenter.sh/nodepool": "workers" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "workers", effect: "NoSchedule" }],
        priorityClassName: "batch",
        serviceAccountName: "mailer",
        imagePullSecrets: ["registry"],
        extraEnv: [{ name: "TZ", value: "UTC" }],
      },
      { provider },
    );
    // In a namespace of its own: the password is copied there.
    reports = new Workers(
      "reports",
      { faktory: jobs, namespace: "apps", image: IMAGE, queues: ["reports", "default"], replicas: 3 },
      { provider },
    );
    await settle(jobs, mailers, reports);
  });

  it("creates exactly the expected children, named <name>-<role>, parented to the component, on its provider", async () => {
    const names = (n: string) =>
      childrenOf(n)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(names("mailers")).toEqual(
      [
        `${T.deployment} mailers-deployment`,
        `${T.pdb} mailers-pdb`,
        `${T.scaledObject} mailers-scaled-object`,
      ].sort(),
    );
    expect(names("reports")).toEqual(
      [`${T.deployment} reports-deployment`, `${T.pdb} reports-pdb`, `${T.secret} reports-password`].sort(),
    );
    const providerRef = `${await valueOf(provider.urn)}::${await valueOf(provider.id)}`;
    for (const r of [...childrenOf("mailers"), ...childrenOf("reports")]) {
      expect(r.parentType, r.name).toBe(T.component);
      expect(r.provider, r.name).toBe(providerRef);
    }
  });

  it("renders the Deployment and PDB valid against the Kubernetes schema", () => {
    for (const r of [...childrenOf("mailers"), ...childrenOf("reports")].filter(
      (x) => x.type !== T.scaledObject,
    )) {
      expect(validateKubernetesObject(plain(r)), `${r.type} ${r.name}`).toEqual([]);
    }
  });

  it("runs the image with the contract's environment: the password from the Faktory's Secret, the URL by expansion", () => {
    expect(deploymentOf("mailers").spec.template.spec.containers[0].env).toEqual([
      {
        name: "FAKTORY_PASSWORD",
        valueFrom: { secretKeyRef: { name: "jobs-secret-0a1b2c3d", key: "FAKTORY_PASSWORD" } },
      },
      { name: "FAKTORY_URL", value: "tcp://:$(FAKTORY_PASSWORD)@faktory.jobs.svc.cluster.local:7419" },
      { name: "FAKTORY_QUEUES", value: "critical:3,mail:1" },
      { name: "FAKTORY_CONCURRENCY", value: "10" },
      { name: "FAKTORY_SHUTDOWN_TIMEOUT", value: "30" },
      { name: "TZ", value: "UTC" },
    ]);
    expect(envOf("reports")).toMatchObject({
      FAKTORY_QUEUES: "reports,default",
      FAKTORY_CONCURRENCY: "20",
      FAKTORY_SHUTDOWN_TIMEOUT: "25",
    });
  });

  it("gives the pods a grace of the shutdown timeout + 10 s, and hardens them as the Faktory pods", () => {
    const pod = deploymentOf("mailers").spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    expect(deploymentOf("reports").spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    const c = pod.containers[0];
    expect(c.name).toBe("worker");
    expect(c.image).toBe(IMAGE);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.command).toEqual(["node", "worker.js"]);
    expect(c.args).toBeUndefined();
    // The Faktory pods' hardening (asserted in faktory.test.ts): non-root, read-only root, no capabilities.
    const faktoryPod = plain(runtime.one(T.statefulSet, "jobs-statefulset")).spec.template.spec;
    expect(c.securityContext).toEqual(faktoryPod.containers[0].securityContext);
    expect(pod.securityContext).toEqual(faktoryPod.securityContext);
    expect(pod.securityContext).toMatchObject({
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
    expect(c.resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    });
    expect(deploymentOf("reports").spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "2", memory: "1Gi" },
    });
    // A ServiceAccount given: its own token setting; none given: the default one, without a token.
    expect(pod.serviceAccountName).toBe("mailer");
    expect(pod.automountServiceAccountToken).toBeUndefined();
    const reportsPod = deploymentOf("reports").spec.template.spec;
    expect(reportsPod.serviceAccountName).toBeUndefined();
    expect(reportsPod.automountServiceAccountToken).toBe(false);
    expect(reportsPod.enableServiceLinks).toBe(false);
  });

  it("places and labels the pods as asked, spread softly over zones and hosts", () => {
    const d = deploymentOf("mailers");
    const pod = d.spec.template;
    expect(pod.spec.nodeSelector).toEqual({ "karpenter.sh/nodepool": "workers" });
    expect(pod.spec.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "workers", effect: "NoSchedule" },
    ]);
    expect(pod.spec.priorityClassName).toBe("batch");
    expect(pod.spec.imagePullSecrets).toEqual([{ name: "registry" }]);
    expect(pod.metadata.annotations).toEqual({ "example.com/owner": "mail" });
    const selector = {
      "app.kubernetes.io/name": "faktory",
      "app.kubernetes.io/instance": "mailers",
      "app.kubernetes.io/component": "worker",
    };
    expect(d.spec.selector).toEqual({ matchLabels: selector });
    expect(pod.metadata.labels).toEqual({
      ...selector,
      team: "mail",
      "sidecar.istio.io/inject": "false",
      "app.kubernetes.io/part-of": "faktory-ha",
      "app.kubernetes.io/managed-by": "pulumi",
    });
    expect(d.metadata.labels["sidecar.istio.io/inject"]).toBeUndefined();
    expect(pod.spec.topologySpreadConstraints).toEqual(
      ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
      })),
    );
    expect(d.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
    });
  });

  it("never selects the Faktory's pods, nor the Faktory the workers'", () => {
    const faktoryPods = plain(runtime.one(T.statefulSet, "jobs-statefulset")).spec.template.metadata.labels;
    const faktorySelector = plain(runtime.one(T.statefulSet, "jobs-statefulset")).spec.selector.matchLabels;
    const d = deploymentOf("mailers");
    const matches = (sel: Any, labels: Any) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(matches(d.spec.selector.matchLabels, faktoryPods)).toBe(false);
    expect(matches(faktorySelector, d.spec.template.metadata.labels)).toBe(false);
  });

  it("leaves the replicas to KEDA when autoscaled, and sets them otherwise", () => {
    expect("replicas" in deploymentOf("mailers").spec).toBe(false);
    expect(deploymentOf("reports").spec.replicas).toBe(3);
  });

  it("covers the pods with a PodDisruptionBudget selecting exactly them", () => {
    const pdb = plain(child("mailers", T.pdb, "pdb"));
    expect(pdb.metadata).toMatchObject({ name: "mailers", namespace: "jobs" });
    expect(pdb.spec).toEqual({
      maxUnavailable: "25%",
      selector: { matchLabels: deploymentOf("mailers").spec.selector.matchLabels },
    });
    expect(plain(child("reports", T.pdb, "pdb")).metadata.namespace).toBe("apps");
  });

  it("scales on the supervisors' scaler endpoint: latency as a Value, backlog as an AverageValue, no fallback", () => {
    const so = plain(child("mailers", T.scaledObject, "scaled-object"));
    const url = "http://faktory.jobs.svc.cluster.local:7421/scaler?queues=critical,mail";
    expect(so).toEqual({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: {
        name: "mailers",
        namespace: "jobs",
        labels: {
          team: "mail",
          "app.kubernetes.io/name": "faktory",
          "app.kubernetes.io/instance": "mailers",
          "app.kubernetes.io/component": "worker",
          "app.kubernetes.io/part-of": "faktory-ha",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "mailers" },
        pollingInterval: 15,
        cooldownPeriod: 300,
        minReplicaCount: 0,
        maxReplicaCount: 12,
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } },
        },
        triggers: [
          {
            type: "metrics-api",
            name: "latency",
            metricType: "Value",
            metadata: {
              url,
              format: "json",
              valueLocation: "latencySeconds",
              targetValue: "20",
              activationTargetValue: "2",
            },
          },
          {
            type: "metrics-api",
            name: "backlog",
            metricType: "AverageValue",
            metadata: {
              url,
              format: "json",
              valueLocation: "backlog",
              targetValue: "10",
              activationTargetValue: "0",
            },
          },
        ],
      },
    });
    expect("fallback" in so.spec).toBe(false);
  });

  it("in a namespace of its own: copies the password into a Secret there (secret) and refers to its generated name", () => {
    const copy = child("reports", T.secret, "password");
    expect(plain(copy)).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        namespace: "apps",
        labels: {
          "app.kubernetes.io/name": "faktory",
          "app.kubernetes.io/instance": "reports",
          "app.kubernetes.io/component": "worker",
          "app.kubernetes.io/part-of": "faktory-ha",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
      type: "Opaque",
      stringData: { FAKTORY_PASSWORD: PASSWORD },
    });
    expect(containsSecret(copy.inputs)).toBe(true);
    expect(envOf("reports")).toMatchObject({
      FAKTORY_PASSWORD: { secretKeyRef: { name: "reports-password-0a1b2c3d", key: "FAKTORY_PASSWORD" } },
      FAKTORY_URL: "tcp://:$(FAKTORY_PASSWORD)@faktory.jobs.svc.cluster.local:7419",
    });
    expect(deploymentOf("reports").metadata.namespace).toBe("apps");
  });

  it("holds no secret value anywhere but in Secrets: not in the Deployment, PDB or ScaledObject", () => {
    for (const r of [...childrenOf("mailers"), ...childrenOf("reports")].filter((x) => x.type !== T.secret)) {
      const text = JSON.stringify(plain(r));
      for (const value of SECRET_VALUES) expect(text.includes(value), `${r.type} ${r.name}`).toBe(false);
      expect(containsSecret(r.inputs), `${r.type} ${r.name}`).toBe(false);
    }
  });

  it("outputs the namespace, the Deployment and the ScaledObject (undefined without autoscaling)", async () => {
    expect(await valueOf(mailers.namespace)).toBe("jobs");
    expect(await valueOf(mailers.deploymentName)).toBe("mailers");
    expect(await valueOf(mailers.scaledObjectName)).toBe("mailers");
    expect(await valueOf(reports.namespace)).toBe("apps");
    expect(await valueOf(reports.scaledObjectName)).toBeUndefined();
    expect(runtime.unknownCalls).toEqual([]);
  });
});

describe("Workers of an external Faktory", () => {
  beforeAll(async () => {
    const external = new Workers("billing", {
      namespace: "billing",
      connection: {
        host: "faktory.platform.svc.cluster.local",
        passwordSecret: { name: "faktory", key: "password" },
        tls: { caSecret: { name: "faktory-ca", key: "ca.crt" } },
        scalerUrl: "http://faktory.platform.svc.cluster.local:7421/scaler",
      },
      image: IMAGE,
      args: ["--verbose"],
      autoscaling: { targetBacklogPerReplica: 50, minReplicas: 1, maxReplicas: 4, cooldownSeconds: 60 },
      maxUnavailable: 1,
    });
    const plainTcp = new Workers("ledger", {
      namespace: "billing",
      // The name of an auto-named Secret of the caller's: an Output.
      connection: {
        host: "10.0.5.17",
        port: 7500,
        passwordSecret: { name: pulumi.output("faktory-password-4f5e6d7c"), key: "password" },
      },
      image: IMAGE,
    });
    await settle(external, plainTcp);
  });

  it("connects over TLS to the given host (7429 by default), the password from the given Secret", () => {
    expect(envOf("billing")).toEqual({
      FAKTORY_PASSWORD: { secretKeyRef: { name: "faktory", key: "password" } },
      FAKTORY_URL: "tcp+tls://:$(FAKTORY_PASSWORD)@faktory.platform.svc.cluster.local:7429",
      FAKTORY_QUEUES: "default",
      FAKTORY_CONCURRENCY: "20",
      FAKTORY_SHUTDOWN_TIMEOUT: "25",
      SSL_CERT_FILE: "/etc/faktory-worker/tls/ca.crt",
      NODE_EXTRA_CA_CERTS: "/etc/faktory-worker/tls/ca.crt",
    });
    expect(envOf("ledger")).toMatchObject({
      FAKTORY_PASSWORD: { secretKeyRef: { name: "faktory-password-4f5e6d7c", key: "password" } },
      FAKTORY_URL: "tcp://:$(FAKTORY_PASSWORD)@10.0.5.17:7500",
    });
    expect(childrenOf("billing").filter((r) => r.type === T.secret)).toEqual([]);
  });

  it("mounts the CA read-only from its Secret, valid for Kubernetes", () => {
    const d = deploymentOf("billing");
    expect(validateKubernetesObject(d)).toEqual([]);
    const pod = d.spec.template.spec;
    expect(pod.containers[0].args).toEqual(["--verbose"]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "faktory-ca", mountPath: "/etc/faktory-worker/tls", readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
      {
        name: "faktory-ca",
        secret: { secretName: "faktory-ca", items: [{ key: "ca.crt", path: "ca.crt" }] },
      },
    ]);
  });

  it("scales on the given scaler URL, backlog only, and a PDB of one pod", () => {
    const so = plain(child("billing", T.scaledObject, "scaled-object"));
    expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4, cooldownPeriod: 60 });
    expect(so.spec.triggers).toEqual([
      {
        type: "metrics-api",
        name: "backlog",
        metricType: "AverageValue",
        metadata: {
          url: "http://faktory.platform.svc.cluster.local:7421/scaler?queues=default",
          format: "json",
          valueLocation: "backlog",
          targetValue: "50",
          activationTargetValue: "0",
        },
      },
    ]);
    expect(plain(child("billing", T.pdb, "pdb")).spec.maxUnavailable).toBe(1);
    expect(deploymentOf("ledger").spec.replicas).toBe(2);
    expect(childrenOf("ledger").map((r) => r.type)).not.toContain(T.scaledObject);
  });
});

describe("Workers of a Faktory serving TLS", () => {
  let dependsOn: unknown;
  let secure: Faktory;

  beforeAll(async () => {
    // TLS required, the certificate from the caller's Secret: the plain 7419 is closed.
    secure = new Faktory("secure", { ...faktoryArgs, tls: { mode: "required", secretName: "secure-cert" } });
    // TLS optional on another port, the certificate from cert-manager (Secret `<name>-tls`).
    const migrating = new Faktory("migrating", {
      ...faktoryArgs,
      tls: { mode: "optional", port: 7439, certManager: { issuerName: "internal-ca" } },
    });
    const strict = new Workers(
      "strict",
      { faktory: secure, image: IMAGE, autoscaling: { targetLatencySeconds: 30 } },
      {
        // The options the Deployment is registered with: its explicit dependencies.
        transformations: [
          (a) => {
            if (a.type === T.deployment) dependsOn = a.opts.dependsOn;
            return undefined;
          },
        ],
      },
    );
    const preferring = new Workers("preferring", { faktory: migrating, image: IMAGE });
    await settle(secure, migrating, strict, preferring);
  });

  it("dials tcp+tls:// on the Faktory's TLS port and names the mounted CA for Go, Ruby and Node", () => {
    expect(envOf("strict")).toEqual({
      FAKTORY_PASSWORD: { secretKeyRef: { name: "secure-secret-0a1b2c3d", key: "FAKTORY_PASSWORD" } },
      FAKTORY_URL: "tcp+tls://:$(FAKTORY_PASSWORD)@faktory.secure.svc.cluster.local:7429",
      FAKTORY_QUEUES: "default",
      FAKTORY_CONCURRENCY: "20",
      FAKTORY_SHUTDOWN_TIMEOUT: "25",
      SSL_CERT_FILE: "/etc/faktory-worker/tls/ca.crt",
      NODE_EXTRA_CA_CERTS: "/etc/faktory-worker/tls/ca.crt",
    });
    // optional: TLS preferred over the plain port it still serves, on its own port number.
    expect(envOf("preferring")).toMatchObject({
      FAKTORY_URL: "tcp+tls://:$(FAKTORY_PASSWORD)@faktory.migrating.svc.cluster.local:7439",
      SSL_CERT_FILE: "/etc/faktory-worker/tls/ca.crt",
    });
  });

  it("mounts ca.crt of the Faktory's TLS Secret read-only (never tls.key), optional for a public CA's Secret", async () => {
    const volumes = (name: string) => deploymentOf(name).spec.template.spec.volumes;
    expect(volumes("strict")).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
      {
        name: "faktory-ca",
        secret: { secretName: "secure-cert", items: [{ key: "ca.crt", path: "ca.crt" }], optional: true },
      },
    ]);
    expect(await valueOf(secure.tlsSecretName)).toBe("secure-cert");
    expect(volumes("preferring")[1].secret).toEqual({
      secretName: "migrating-tls",
      items: [{ key: "ca.crt", path: "ca.crt" }],
      optional: true,
    });
    const d = deploymentOf("strict");
    expect(d.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "faktory-ca", mountPath: "/etc/faktory-worker/tls", readOnly: true },
    ]);
    expect(JSON.stringify(d)).not.toContain("tls.key");
    expect(validateKubernetesObject(d)).toEqual([]);
  });

  it("waits for every child of the Faktory, so its TLS Secret exists when the pods mount it", () => {
    expect(dependsOn).toHaveLength(1);
    expect((dependsOn as unknown[])[0]).toBe(secure);
  });

  it("keeps the KEDA scaler on the plain health port 7421", () => {
    const so = plain(child("strict", T.scaledObject, "scaled-object"));
    expect(so.spec.triggers[0].metadata.url).toBe(
      "http://faktory.secure.svc.cluster.local:7421/scaler?queues=default",
    );
  });

  it("exposes the Faktory's TLS to the Workers component as plain values", () => {
    expect(secure.clientTls).toEqual({ mode: "required", port: 7429 });
  });
});

describe("Workers reject bad args before creating children", () => {
  const tlsFaktory = (name: string, mode: "optional" | "required") =>
    new Faktory(name, { ...faktoryArgs, tls: { mode, secretName: `${name}-cert` } });
  it.each([
    [
      "autoscaling against open-source Faktory",
      () => {
        const oss = new Faktory("oss-jobs", {
          edition: "oss",
          image: "contribsys/faktory:1.9.4",
          vpcCidrs: ["10.0.0.0/16"],
          loadBalancer: false,
        });
        return { faktory: oss, image: IMAGE, autoscaling: { targetLatencySeconds: 10 } };
      },
      'Workers "bad-oss": autoscaling needs a Faktory with edition "enterprise"',
    ],
    [
      "a floating image tag",
      () => ({
        namespace: "x",
        connection: { host: "f", passwordSecret: { name: "s", key: "k" } },
        image: "w:latest",
      }),
      'Workers "bad-image": image="w:latest" must be a pinned image reference: it uses the floating tag "latest"',
    ],
    [
      "a namespace of their own with a Faktory requiring TLS",
      () => ({ faktory: tlsFaktory("tls-required", "required"), namespace: "apps", image: IMAGE }),
      `Workers "bad-tls-namespace": namespace="apps" must be left out with faktory, whose tls.mode is "required": the workers dial tcp+tls:// on port 7429 and trust ca.crt of the Faktory's TLS Secret (tlsSecretName), which pods of another namespace cannot mount, and the component does not copy it (reading that Secret reads its private key). Leave namespace out to run the workers in the Faktory's namespace, or pass connection instead of faktory, with tls.caSecret naming a Secret of the workers' namespace that holds the CA (and host, port 7429, passwordSecret, scalerUrl)`,
    ],
    [
      "a namespace Output with a Faktory offering TLS",
      () => ({
        faktory: tlsFaktory("tls-optional", "optional"),
        namespace: pulumi.output("apps"),
        image: IMAGE,
      }),
      `Workers "bad-tls-output": namespace=(an Output) must be left out with faktory, whose tls.mode is "optional"`,
    ],
    [
      "the CA variables in extraEnv with a Faktory serving TLS",
      () => ({
        faktory: tlsFaktory("tls-env", "required"),
        image: IMAGE,
        extraEnv: [{ name: "SSL_CERT_FILE", value: "/etc/ssl/mine.pem" }],
      }),
      `Workers "bad-tls-env": extraEnv[0].name="SSL_CERT_FILE" is set by the component with a faktory serving TLS (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS name the mounted CA)`,
    ],
  ])("%s", (_label, argsOf, message) => {
    const args = argsOf();
    const name = message.split('"')[1];
    const before = runtime.resources.length;
    expect(() => new Workers(name, args as never)).toThrow(message);
    expect(
      runtime.resources
        .slice(before)
        .filter((r) => r.type !== T.component && !/^(oss-jobs|tls-)/.test(r.name)),
    ).toEqual([]);
  });
});
