// The program `pulumi up` runs: reads this stack's config once, then composes the components.
// Everything here is wiring; decisions live in the components and the config rules.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Alarms, Cluster, Image, Network, Redis } from "../components/aws";
import { clientPorts, Faktory, type FaktoryArgs, type MonitoringSettings } from "../components/k8s";
import { loadCronFile } from "./cron-file";
import { imageTag } from "./image-tag";
import { stackBase } from "./names";
import { readStackConfig } from "./read-config";
import { clusterSchema } from "./config-schema";

const config = readStackConfig();
for (const warning of config.warnings) void pulumi.log.warn(warning);
const cron = loadCronFile(config.cronFile);
const stack = pulumi.getStack();
const base = stackBase(stack);
const tags = { project: "faktory-ha", stack, environment: config.environment };
const secret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

const network =
  "vpcId" in config.network
    ? new Network(`${base}-network`, {
        vpcId: config.network.vpcId,
        privateSubnetIds: config.network.privateSubnetIds,
      })
    : new Network(`${base}-network`, {
        azCount: config.network.azCount,
        cidrBlock: config.network.vpcCidr,
        natGateways: config.network.natGateways,
        tags,
      });

const vpcCidr =
  "vpcId" in config.network
    ? aws.ec2.getVpcOutput({ id: config.network.vpcId }).cidrBlock
    : pulumi.output(config.network.vpcCidr);

// The schema's defaults when the stack sets no `cluster` key (one default per value).
const clusterConfig = config.cluster ?? clusterSchema.parse({});
const cluster =
  config.secrets.kubeconfig !== undefined
    ? new Cluster(`${base}-cluster`, { kubeconfig: pulumi.secret(config.secrets.kubeconfig) })
    : new Cluster(`${base}-cluster`, {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        kubernetesVersion: clusterConfig.version,
        nodeInstanceType: clusterConfig.instanceType,
        nodeMinSize: clusterConfig.minNodes,
        nodeDesiredSize: clusterConfig.desiredNodes,
        nodeMaxSize: clusterConfig.maxNodes,
        // Private endpoint only, unless the stack names the CIDRs allowed to reach the public one.
        ...(clusterConfig.publicAccessCidrs.length > 0
          ? { endpointPublicAccess: true, publicAccessCidrs: clusterConfig.publicAccessCidrs }
          : { endpointPublicAccess: false }),
        tags,
      });

const enterprise = config.edition === "enterprise";

// No ElastiCache with `redis.existingUrl` (a secret): the pods use that Redis.
const redisConfig = config.redis;
const existingRedisUrl = "existingUrl" in redisConfig ? pulumi.secret(redisConfig.existingUrl) : undefined;
const redis =
  enterprise && !("existingUrl" in redisConfig)
    ? new Redis(`${base}-redis`, {
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        // One node per AZ where the network knows its AZs, so Multi-AZ has somewhere to fail over to.
        ...("vpcId" in config.network
          ? {}
          : { availabilityZones: network.availabilityZones.apply((azs) => azs ?? []) }),
        // Pods on EKS managed nodes use the node security group; an existing cluster names its own.
        sourceSecurityGroupIds: redisConfig.sourceSecurityGroupIds ?? [
          cluster.nodeSecurityGroupId.apply((id: string | undefined) => id ?? ""),
        ],
        engine: redisConfig.engine,
        ...(redisConfig.engineVersion !== undefined ? { engineVersion: redisConfig.engineVersion } : {}),
        nodeType: redisConfig.nodeType,
        numCacheClusters: redisConfig.nodes,
        snapshotRetentionLimit: redisConfig.snapshotRetentionDays,
        ...(redisConfig.restoreFromSnapshot !== undefined
          ? { snapshotName: redisConfig.restoreFromSnapshot }
          : {}),
        ...(redisConfig.restoreFromRdb !== undefined ? { snapshotArns: redisConfig.restoreFromRdb } : {}),
        // Outside dev a deleted replication group leaves its queues behind in a snapshot.
        ...((redisConfig.finalSnapshot ?? config.environment !== "dev")
          ? { finalSnapshotIdentifier: `${base}-redis-final` }
          : {}),
        tags,
      })
    : undefined;

function faktoryImage(): pulumi.Input<string> {
  if (!enterprise) return config.faktoryImage as string;
  if (config.image !== undefined) return config.image;
  const baseImage = config.faktoryImage as string;
  return new Image(`${base}-image`, {
    faktoryImage: baseImage,
    tag: imageTag(process.cwd(), "ha", baseImage, ["supervisor", "package-lock.json"]),
    tags,
  }).imageRef;
}

const registry = config.registry;
const { podMonitor, prometheusRule, dashboard, scrapeAnnotations } = config.monitoring;
const monitoring: MonitoringSettings = {
  ...(scrapeAnnotations !== undefined ? { scrapeAnnotations } : {}),
  ...(podMonitor.enabled ? { podMonitor: { labels: podMonitor.labels, interval: podMonitor.interval } } : {}),
  ...(prometheusRule.enabled
    ? {
        prometheusRule: {
          labels: prometheusRule.labels,
          ...(prometheusRule.queueLatencySeconds !== undefined
            ? { queueLatencySeconds: prometheusRule.queueLatencySeconds }
            : {}),
        },
      }
    : {}),
  ...(dashboard.enabled
    ? {
        dashboard: {
          labels: dashboard.labels,
          ...(dashboard.namespace !== undefined ? { namespace: dashboard.namespace } : {}),
        },
      }
    : {}),
};
// What both editions take; the enterprise-only args are added below, so an OSS stack cannot pass them.
const shared = {
  image: faktoryImage(),
  namespace: config.namespace,
  // The pods' Secret already exists, so its namespace does too.
  ...(config.existingSecret !== undefined
    ? { existingSecret: config.existingSecret, createNamespace: false }
    : {}),
  ...(config.secrets.password !== undefined ? { password: secret(config.secrets.password) } : {}),
  ...(registry && config.secrets.registryPassword !== undefined
    ? {
        registryCredentials: {
          server: registry.server,
          username: registry.username,
          password: pulumi.secret(config.secrets.registryPassword),
        },
      }
    : {}),
  webUi: config.webUi,
  vpcCidrs: [vpcCidr],
  ...(config.allowedCidrs.length > 0 ? { allowedCidrs: config.allowedCidrs } : {}),
  allowedNamespaces: config.allowedNamespaces,
  monitoring,
  nodeSelector: config.nodeSelector,
  tolerations: config.tolerations,
  affinity: config.affinity,
  priorityClassName: config.priorityClassName,
  podAnnotations: config.podAnnotations,
  podLabels: config.podLabels,
  resources: config.resources,
  extraEnv: config.extraEnv,
  extraConfFiles: config.extraConfFiles,
};
const faktoryArgs: FaktoryArgs = enterprise
  ? {
      ...shared,
      edition: "enterprise",
      secondaries: config.secondaries,
      ...(redis ? { redisUrl: redis.url } : {}),
      ...(existingRedisUrl ? { redisUrl: existingRedisUrl } : {}),
      ...(config.secrets.license !== undefined ? { license: secret(config.secrets.license) } : {}),
      cron,
      statsd: config.statsd,
      lease: config.lease,
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      ...(config.scalerNamespaces !== undefined ? { scalerNamespaces: config.scalerNamespaces } : {}),
    }
  : { ...shared, edition: "oss" };
const faktory = new Faktory(
  base,
  faktoryArgs,
  // The NLB Service needs the Load Balancer Controller's webhook and IAM role in place first.
  {
    provider: cluster.provider,
    dependsOn: cluster.loadBalancerController ? [cluster.loadBalancerController] : [],
  },
);

// CloudWatch alarms on every ElastiCache node and, once the controller has made it, the NLB's
// target groups (looked up by the controller's tags after the Service reports its address).
const alarms =
  config.alarms.enabled && redis
    ? new Alarms(`${base}-alarms`, {
        cacheClusterIds: redis.cacheClusterIds,
        topic:
          config.alarms.topicArn !== undefined
            ? { arn: config.alarms.topicArn }
            : { emails: config.alarms.emails },
        thresholds: config.alarms.thresholds,
        ...(config.alarms.loadBalancer
          ? {
              loadBalancer: {
                clusterName: cluster.clusterName,
                namespace: faktory.namespace,
                serviceName: faktory.loadBalancerServiceName.apply((n) => n ?? ""),
                // The NLB's listeners: the TLS ones too (only they with TLS required).
                ports: clientPorts(config.webUi, config.tls).map((p) => p.port),
                ready: faktory.loadBalancerHostname,
              },
            }
          : {}),
        tags,
      })
    : undefined;

export const environment = config.environment;
export const edition = config.edition;
export const clusterName = cluster.clusterName;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);
export const redisEndpoint = redis
  ? redis.primaryEndpoint
  : existingRedisUrl
    ? "existing (faktory-ha:redis.existingUrl)"
    : "embedded (oss edition)";
export const faktoryNamespace = faktory.namespace;
/** The ClusterIP Service (`<name>.<namespace>.svc.cluster.local`): other stacks' Workers connect to it. */
export const faktoryServiceName = faktory.serviceName;
/** The Faktory password (secret), for other stacks' Workers to keep in a Secret of their namespace. */
export const faktoryPassword = faktory.password;
/** FAKTORY_URL for workers inside the cluster (tcp+tls:// with faktory-ha:tls.mode required). */
export const faktoryUrl = faktory.inClusterUrl;
/** FAKTORY_URL for producers and workers in the VPC, through the internal NLB (tcp+tls:// with TLS required). */
export const faktoryNlbUrl = faktory.loadBalancerUrl;
/** With TLS on: the tcp+tls:// URLs, and the Secret holding the certificate the pods serve. */
export const faktoryTlsUrl = faktory.inClusterTlsUrl;
export const faktoryNlbTlsUrl = faktory.loadBalancerTlsUrl;
export const faktoryTlsSecret = faktory.tlsSecretName;
/** Where the CloudWatch alarms notify (subscribe to it), when alarms are on. */
export const alarmTopicArn = alarms ? alarms.topicArn : "alarms off (faktory-ha:alarms.enabled: false)";
