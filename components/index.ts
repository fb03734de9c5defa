// faktory-ha:k8s — the Kubernetes Faktory component and its manifest builders.
export { Faktory, validateKubernetesObject } from "./k8s";
export type {
  FaktoryArgs,
  FaktoryEdition,
  LeaseSettings,
  LivenessSettings,
  RegistryCredentials,
  ResourceSettings,
  StatsdSettings,
} from "./k8s";

// faktory-ha:aws — Network, Cluster (EKS + AWS Load Balancer Controller), Redis (ElastiCache), Image (ECR).
export * from "./aws";
