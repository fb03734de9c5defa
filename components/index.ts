// faktory-ha: typed Pulumi components for resilient Faktory on EKS with ElastiCache.
// aws: Network, Cluster (EKS + AWS Load Balancer Controller), Redis (ElastiCache), Image (ECR).
export * from "./aws";
// k8s: the supervised Faktory workload and its pure manifest builders.
export * from "./k8s";
// cron: typed cron jobs (also importable alone as `faktory-ha/cron`).
export * as cron from "./cron";
export type { CronJob, CronJobSpec } from "./cron";
