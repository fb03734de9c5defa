// The Workers component's defaults and every validation message, table-driven (resolveWorkerSettings is
// pure: the component calls it before creating anything; workers.test.ts proves nothing is created).
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { WORKERS_DEFAULTS } from "../../../components/k8s/workers/defaults";
import { resolveWorkerSettings } from "../../../components/k8s/workers/settings";
import type { WorkersArgs } from "../../../components/k8s/workers/types";

const connection = {
  host: "faktory.jobs.svc.cluster.local",
  passwordSecret: { name: "faktory", key: "password" },
};
const base = { namespace: "apps", connection, image: "acme/worker:1.0.0" };
const autoscaled = (autoscaling: object) => ({
  ...base,
  connection: { ...connection, scalerUrl: "http://faktory.jobs.svc.cluster.local:7421/scaler" },
  autoscaling,
});

/** The problems of args as a JavaScript caller may pass them, one message each. */
const problemsOf = (args: object, name = "mailers"): string[] => {
  try {
    resolveWorkerSettings(name, args as WorkersArgs);
  } catch (e) {
    const message = (e as Error).message;
    const prefix = `Workers "${name}": `;
    expect(message.startsWith(prefix), message).toBe(true);
    // Messages are joined by "; " and some contain "; " themselves: split before each arg path.
    return message.slice(prefix.length).split(/; (?=[a-zA-Z]+(?:[[.=]| (?:is|must|and) ))/);
  }
  return [];
};

describe("resolveWorkerSettings defaults", () => {
  it("fills every default", () => {
    expect(resolveWorkerSettings("mailers", base as WorkersArgs)).toEqual({
      queues: ["default"],
      concurrency: 20,
      shutdownTimeoutSeconds: 25,
      terminationGracePeriodSeconds: 35,
      replicas: 2,
      autoscaling: undefined,
      maxUnavailable: "25%",
      runAsUser: 1000,
      copyPassword: false,
      command: undefined,
      args: undefined,
      serviceAccountName: undefined,
      imagePullSecrets: [],
      labels: {},
      podLabels: {},
      podAnnotations: {},
      nodeSelector: {},
      tolerations: [],
      affinity: undefined,
      priorityClassName: undefined,
      extraEnv: [],
    });
  });

  it("fills the autoscaling defaults and leaves the replicas to KEDA", () => {
    const settings = resolveWorkerSettings(
      "mailers",
      autoscaled({ targetLatencySeconds: 30 }) as WorkersArgs,
    );
    expect(settings.replicas).toBeUndefined();
    expect(settings.autoscaling).toEqual({ targetLatencySeconds: 30, ...WORKERS_DEFAULTS.autoscaling });
  });

  it("takes a grace of the shutdown timeout + 10 s; fractional latencies; Outputs unchecked until deployment", () => {
    const s = resolveWorkerSettings("mailers", {
      ...autoscaled({ targetLatencySeconds: 0.5, activationLatencySeconds: 0.1 }),
      image: pulumi.output("acme/worker:latest"),
      namespace: pulumi.output("Not checked"),
      shutdownTimeoutSeconds: 8,
      maxUnavailable: 3,
    } as WorkersArgs);
    expect(s).toMatchObject({
      shutdownTimeoutSeconds: 8,
      terminationGracePeriodSeconds: 18,
      maxUnavailable: 3,
    });
  });

  it("allows SSL_CERT_FILE in extraEnv without a TLS CA", () => {
    expect(
      problemsOf({ ...base, extraEnv: [{ name: "SSL_CERT_FILE", value: "/etc/ssl/mine.pem" }] }),
    ).toEqual([]);
  });
});

describe("resolveWorkerSettings messages", () => {
  const cases: [string, object, string[], string?][] = [
    [
      "a name that cannot name the Deployment",
      base,
      [
        'name="Mailers_1" must be a DNS label of at most 63 characters (lowercase letters, digits, "-"): it names the Deployment, its pods\' instance label and the ScaledObject',
      ],
      "Mailers_1",
    ],
    ["a misspelt arg", { ...base, replica: 2 }, ['replica is not a known arg; did you mean "replicas"?']],
    [
      "no Faktory at all",
      { image: "acme/worker:1.0.0" },
      [
        "faktory or connection is required: the Faktory component of this stack, or { host, passwordSecret } of another",
      ],
    ],
    [
      "both a Faktory and a connection, the Faktory not a component",
      { ...base, faktory: { namespace: "jobs" } },
      [
        "faktory must be a Faktory component (new Faktory(…) from faktory-ha/k8s)",
        "faktory and connection must not both be given: give faktory for a Faktory component of this stack, connection for any other",
      ],
    ],
    [
      "a connection without a namespace",
      { connection, image: "acme/worker:1.0.0" },
      [
        "namespace is required with connection: the workers' namespace, which holds connection.passwordSecret",
      ],
    ],
    [
      "a bad namespace, no image",
      { namespace: "Apps", connection },
      [
        'namespace="Apps" must be a Kubernetes namespace name (lowercase DNS label)',
        "image is required: the worker image, pinned by tag or digest",
      ],
    ],
    [
      "an image without a tag",
      { ...base, image: "acme/worker" },
      ['image="acme/worker" must be a pinned image reference: it has neither a tag nor a digest'],
    ],
    [
      "queues neither a list nor a map",
      { ...base, queues: "default" },
      [
        'queues="default" must be a list of queue names (strict priority order), e.g. ["critical", "default"], or a map of queue name to weight, e.g. { critical: 3, default: 1 }',
      ],
    ],
    [
      "no queue",
      { ...base, queues: [] },
      ["queues must name 1 to 50 queues (the scaler endpoint reads at most 50)"],
    ],
    [
      "more queues than the scaler reads",
      { ...base, queues: Array.from({ length: 51 }, (_, i) => `q${i}`) },
      ["queues must name 1 to 50 queues (the scaler endpoint reads at most 50)"],
    ],
    [
      "bad queue names in a list",
      { ...base, queues: ["a b", "mail:3", "ok", "ok", 7] },
      [
        "queues[0]=\"a b\" must be 1 to 100 letters, digits, '.', '_', ':' or '-' (Faktory splits commands on spaces; the scaler takes names comma-separated)",
        "queues[1]=\"mail:3\" must not end in ':<digits>': FAKTORY_QUEUES writes a weight as name:weight",
        'queues[3]="ok" is given twice',
        "queues[4]=7 must be a queue name as a string",
      ],
    ],
    [
      "bad names and weights in a map",
      { ...base, queues: { critical: 0, "a b": 1, low: 1.5, "x:2": 1 } },
      [
        "queues.critical=0 must be a weight (how often the queue is tried first, relative to the others): an integer from 1 to 100",
        "queues[\"a b\"]=1 queue name \"a b\" must be 1 to 100 letters, digits, '.', '_', ':' or '-' (Faktory splits commands on spaces; the scaler takes names comma-separated)",
        "queues.low=1.5 must be a weight (how often the queue is tried first, relative to the others): an integer from 1 to 100",
        'queues["x:2"]=1 queue name "x:2" must not end in \':<digits>\': FAKTORY_QUEUES writes a weight as name:weight',
      ],
    ],
    [
      "numbers out of range",
      { ...base, concurrency: 0, shutdownTimeoutSeconds: 3601, replicas: -1, runAsUser: 0 },
      [
        "concurrency=0 must be the jobs one process runs at once: an integer from 1 to 10000",
        "shutdownTimeoutSeconds=3601 must be the client's shutdown timeout in seconds: an integer from 1 to 3600",
        "replicas=-1 must be the number of worker pods: an integer from 0 to 1000",
        "runAsUser=0 must be a non-root UID: an integer ≥ 1",
      ],
    ],
    [
      "autoscaling without a target",
      autoscaled({}),
      [
        "autoscaling must set targetLatencySeconds, targetBacklogPerReplica or both: the signal the workers scale on",
      ],
    ],
    [
      "targets of 0",
      autoscaled({ targetLatencySeconds: 0, targetBacklogPerReplica: 0 }),
      [
        "autoscaling.targetLatencySeconds=0 must be the target age of the oldest job in seconds: a number > 0 and ≤ 86400",
        "autoscaling.targetBacklogPerReplica=0 must be the target of waiting jobs per replica: an integer from 1 to 1000000",
      ],
    ],
    [
      "a minimum above the (default) maximum",
      autoscaled({ targetLatencySeconds: 10, minReplicas: 12 }),
      ["autoscaling.minReplicas=12 must not exceed maxReplicas (10)"],
    ],
    [
      "a maximum of 0",
      autoscaled({ targetLatencySeconds: 10, minReplicas: 2, maxReplicas: 0 }),
      ["autoscaling.maxReplicas=0 must be the most replicas: an integer from 1 to 1000"],
    ],
    [
      "an activation latency at the target",
      autoscaled({ targetLatencySeconds: 10, activationLatencySeconds: 10 }),
      [
        "autoscaling.activationLatencySeconds=10 must be below targetLatencySeconds (10): workers would start from zero only once the latency had passed its target",
      ],
    ],
    [
      "an activation latency without a latency target",
      autoscaled({ targetBacklogPerReplica: 10, activationLatencySeconds: 1 }),
      [
        "autoscaling.activationLatencySeconds=1 is only used with targetLatencySeconds: set that too, or remove this",
      ],
    ],
    [
      "an activation backlog without a backlog target",
      autoscaled({ targetLatencySeconds: 10, activationBacklog: 5 }),
      [
        "autoscaling.activationBacklog=5 is only used with targetBacklogPerReplica: set that too, or remove this",
      ],
    ],
    [
      "negative activations",
      autoscaled({
        targetLatencySeconds: 10,
        targetBacklogPerReplica: 5,
        activationLatencySeconds: -1,
        activationBacklog: -1,
      }),
      [
        "autoscaling.activationLatencySeconds=-1 must be the latency in seconds that starts workers from zero: a number from 0 to 86400",
        "autoscaling.activationBacklog=-1 must be the waiting jobs that start workers from zero: an integer from 0 to 1000000",
      ],
    ],
    [
      "timings out of range",
      autoscaled({
        targetLatencySeconds: 10,
        cooldownSeconds: -1,
        pollingIntervalSeconds: 0,
        scaleDownStabilizationSeconds: 3601,
      }),
      [
        "autoscaling.cooldownSeconds=-1 must be the idle seconds before the last replica goes: an integer from 0 to 86400",
        "autoscaling.pollingIntervalSeconds=0 must be how often KEDA asks, in seconds: an integer from 1 to 3600",
        "autoscaling.scaleDownStabilizationSeconds=3601 must be the scale-down stabilization window in seconds: an integer from 0 to 3600",
      ],
    ],
    [
      "a misspelt autoscaling key",
      autoscaled({ targetLatencySecond: 10, targetBacklogPerReplica: 5 }),
      ['autoscaling.targetLatencySecond is not a known key; did you mean "targetLatencySeconds"?'],
    ],
    [
      "replicas with autoscaling",
      { ...autoscaled({ targetLatencySeconds: 10 }), replicas: 3 },
      [
        "replicas=3 must not be given with autoscaling: KEDA sets the replicas, from autoscaling.minReplicas to autoscaling.maxReplicas",
      ],
    ],
    [
      "autoscaling an external Faktory without its scaler URL",
      { ...base, autoscaling: { targetLatencySeconds: 10 } },
      [
        'connection.scalerUrl is required with autoscaling: the faktory-ha scaler endpoint, e.g. "http://faktory.jobs.svc.cluster.local:7421/scaler"',
      ],
    ],
    [
      "every part of a connection wrong",
      {
        ...base,
        connection: {
          host: "bad host",
          port: 0,
          passwordSecret: { name: "Bad", key: "k k" },
          tls: { caSecret: { name: "ca" } },
          scalerUrl: "http://f:7421/scaler?queues=a",
        },
      },
      [
        'connection.host="bad host" must be a host name or IP address, e.g. faktory.jobs.svc.cluster.local',
        "connection.port=0 must be a TCP port: an integer from 1 to 65535",
        "connection.passwordSecret.name=\"Bad\" must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)",
        "connection.passwordSecret.key=\"k k\" must be a Secret key (letters, digits, '-', '_', '.')",
        "connection.tls.caSecret.key must be a Secret key (letters, digits, '-', '_', '.')",
        'connection.scalerUrl="http://f:7421/scaler?queues=a" must be an http(s) URL without a query, e.g. "http://faktory.jobs.svc.cluster.local:7421/scaler"',
      ],
    ],
    [
      "a connection without host or password",
      { ...base, connection: {} },
      [
        "connection.host is required: the Faktory's host name or address",
        "connection.passwordSecret must be { name, key }: the Secret of the workers' namespace and its key holding the password",
      ],
    ],
    [
      "a password Secret without a name",
      { ...base, connection: { ...connection, passwordSecret: { key: "password" } } },
      ["connection.passwordSecret.name is required: the Secret's name"],
    ],
    [
      "a connection as a URL",
      { ...base, connection: "tcp://faktory:7419" },
      ['connection="tcp://faktory:7419" must be { host, port?, passwordSecret, tls?, scalerUrl? }'],
    ],
    [
      "a budget of 0",
      { ...base, maxUnavailable: 0 },
      [
        'maxUnavailable=0 must be a number of pods ≥ 1 or a percentage from 1% to 100%, e.g. "25%" (0 would block every node drain)',
      ],
    ],
    [
      "a budget above 100%",
      { ...base, maxUnavailable: "150%" },
      [
        'maxUnavailable="150%" must be a number of pods ≥ 1 or a percentage from 1% to 100%, e.g. "25%" (0 would block every node drain)',
      ],
    ],
    [
      "a request above the default limit",
      { ...base, resources: { requests: { cpu: "4" } } },
      [
        'resources.requests.cpu="4" must not exceed the limit limits.cpu ("2", the default): raise the limit too',
      ],
    ],
    [
      "a command as a string, bad ServiceAccount and pull Secret names",
      { ...base, serviceAccountName: "Bad SA", imagePullSecrets: ["Bad"], command: "run" },
      [
        'command="run" must be a list of strings',
        "serviceAccountName=\"Bad SA\" must be a ServiceAccount name (lowercase letters, digits, '-', '.'; at most 253)",
        "imagePullSecrets[0]=\"Bad\" must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)",
      ],
    ],
    [
      "the pod knobs shared with the Faktory component",
      {
        ...base,
        labels: { "bad key!": "v" },
        podLabels: { "app.kubernetes.io/instance": "y" },
        podAnnotations: { "bad key!": "v" },
        nodeSelector: { pool: "b c" },
        tolerations: [{ operator: "In" }],
        priorityClassName: "Bad",
      },
      [
        'labels["bad key!"]="v" label key "bad key!" is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)',
        'podLabels["app.kubernetes.io/instance"]="y" label key "app.kubernetes.io/instance" is set by the component (its selector and part-of/managed-by labels: app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by); use another key',
        'podAnnotations["bad key!"]="v" annotation key "bad key!" is not a Kubernetes annotation key (such as example.com/owner)',
        "nodeSelector.pool=\"b c\" must be a Kubernetes label value: up to 63 letters, digits, '-', '_', '.'",
        'tolerations[0].operator="In" must be one of "Exists", "Equal"',
        "priorityClassName=\"Bad\" must be a PriorityClass name (lowercase letters, digits, '-', '.'; at most 253)",
      ],
    ],
    [
      "extraEnv naming the component's variables, a bad name, a name twice",
      {
        ...base,
        extraEnv: [
          { name: "FAKTORY_URL", value: "tcp://elsewhere:7419" },
          { name: "FAKTORY_PROVIDER", value: "OTHER_URL" },
          { name: "1X", value: "x" },
          { name: "TZ", value: "UTC" },
          { name: "TZ", value: "CET" },
        ],
      },
      [
        'extraEnv[0].name="FAKTORY_URL" is set by the component (FAKTORY_URL, FAKTORY_PASSWORD, FAKTORY_QUEUES, FAKTORY_CONCURRENCY, FAKTORY_SHUTDOWN_TIMEOUT, FAKTORY_PROVIDER): set those through the component\'s args',
        'extraEnv[1].name="FAKTORY_PROVIDER" is set by the component (FAKTORY_URL, FAKTORY_PASSWORD, FAKTORY_QUEUES, FAKTORY_CONCURRENCY, FAKTORY_SHUTDOWN_TIMEOUT, FAKTORY_PROVIDER): set those through the component\'s args',
        "extraEnv[2].name=\"1X\" must be an environment variable name (letters, digits, '_', not starting with a digit)",
        'extraEnv[4].name="TZ" is given twice',
      ],
    ],
    [
      "extraEnv naming a TLS variable the component sets with a CA",
      {
        ...base,
        connection: { ...connection, tls: { caSecret: { name: "faktory-ca", key: "ca.crt" } } },
        extraEnv: [{ name: "NODE_EXTRA_CA_CERTS", value: "/x.pem" }],
      },
      [
        'extraEnv[0].name="NODE_EXTRA_CA_CERTS" is set by the component with connection.tls.caSecret (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS name the mounted CA)',
      ],
    ],
  ];

  it.each(cases)("%s", (_label, args, messages, name) => {
    expect(problemsOf(args, name)).toEqual(messages);
  });
});
