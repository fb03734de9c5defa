// faktory-ha:k8s — the Kubernetes Faktory component and its manifest builders.
export * from "./k8s";
