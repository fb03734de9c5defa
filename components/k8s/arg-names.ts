// Every arg the Faktory component takes, as a run-time list: a JavaScript caller's unknown arg (a typo
// such as `secondary`) is refused with a "did you mean", not silently ignored.
import type { EnterpriseFaktoryArgs, OssFaktoryArgs } from "./types";

type ArgName = keyof EnterpriseFaktoryArgs | keyof OssFaktoryArgs;

// A record, not a list: the compiler then refuses a missing or an extra name.
const ARGS: Readonly<Record<ArgName, true>> = {
  edition: true,
  image: true,
  secondaries: true,
  namespace: true,
  createNamespace: true,
  redisUrl: true,
  password: true,
  license: true,
  registryCredentials: true,
  cron: true,
  statsd: true,
  webUi: true,
  vpcCidrs: true,
  allowedCidrs: true,
  allowedNamespaces: true,
  scalerNamespaces: true,
  loadBalancer: true,
  serviceName: true,
  lease: true,
  liveness: true,
  startup: true,
  terminationGracePeriodSeconds: true,
  deregistrationDelaySeconds: true,
  resources: true,
  runAsUser: true,
  storageSize: true,
  storageClassName: true,
  labels: true,
  podLabels: true,
  podAnnotations: true,
  nodeSelector: true,
  tolerations: true,
  affinity: true,
  priorityClassName: true,
  extraEnv: true,
  extraConfFiles: true,
  existingSecret: true,
  monitoring: true,
  tls: true,
};

export const FAKTORY_ARG_NAMES: readonly string[] = Object.keys(ARGS);
