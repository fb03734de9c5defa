// faktory-ha/k8s: the Kubernetes components (Faktory, Workers) and their pure manifest builders.
export { Faktory } from "./faktory";
export { Workers } from "./workers/workers";
export type {
  ExternalFaktory,
  ExternalWorkersArgs,
  FaktoryWorkersArgs,
  SecretKeySelector,
  WorkerAutoscaling,
  WorkerQueues,
  WorkersArgs,
  WorkerTlsSettings,
} from "./workers/types";
export type {
  EnterpriseFaktoryArgs,
  FaktoryArgs,
  OssFaktoryArgs,
  FaktoryEdition,
  LeaseSettings,
  LivenessSettings,
  StartupSettings,
  RegistryCredentials,
  ResourceQuantities,
  ResourceSettings,
  StatsdSettings,
} from "./types";
export type {
  CertManagerSettings,
  TlsFromCertManager,
  TlsFromSecret,
  TlsMode,
  TlsOff,
  TlsSettings,
} from "./tls/types";
export { TLS_DEFAULTS } from "./tls/defaults";
export { buildCertificate, certificateDnsNames, tlsVolumes } from "./tls/manifests";
export {
  clientPorts,
  containerPorts,
  podToPodPorts,
  type ClientTls,
  type NamedPort,
  type TlsPorts,
} from "./ports";
export type {
  DashboardSettings,
  MonitoringSettings,
  PodMonitorSettings,
  PrometheusRuleSettings,
} from "./monitoring/types";
export {
  MONITORING_DEFAULTS,
  buildDashboardConfigMap,
  buildPodMonitor,
  buildPrometheusRule,
  scrapeAnnotations,
  seriesSelector,
} from "./monitoring/manifests";
export { validateKubernetesObject, supportedKinds } from "./schema";
export { DEFAULTS as FAKTORY_DEFAULTS, resolveSettings, imagePinningError } from "./settings";
export { buildEnv } from "./env";
export { renderStatsdToml } from "./confd";
export { selectorLabels, commonLabels } from "./labels";
export { buildStatefulSet, topologySpread, SUPERVISOR_COMMAND, OSS_COMMAND } from "./workload";
export { nlbAnnotations, buildClusterService, buildNlbService, buildPodDisruptionBudget } from "./services";
export { buildNetworkPolicy, networkPolicyRules } from "./network-policy";
export { PORTS, CONFIG_DIR, SECRET_KEYS } from "./constants";
export { WORKERS_DEFAULTS } from "./workers/defaults";
export {
  buildWorkerDeployment,
  buildWorkerDisruptionBudget,
  workerSelectorLabels,
} from "./workers/deployment";
export { buildWorkerEnv } from "./workers/env";
export { buildScaledObject, inClusterScalerUrl, scalerQueryUrl } from "./workers/scaled-object";
export { WORKER_ENV, formatQueues, parseQueues } from "../contract/worker";
