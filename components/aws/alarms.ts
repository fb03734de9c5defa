import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { z } from "zod";
import { SUPERVISOR_INTS } from "../contract/supervisor";
import { anyInput, argProblems, input, int, requiredInput, throwIfProblems } from "../arg-schema";
import {
  ALARM_DEFAULTS,
  AlarmSpec,
  AlarmThresholds,
  cacheNodeAlarmSpecs,
  controllerTags,
  ResolvedThresholds,
  targetGroupAlarmSpec,
} from "./alarm-config";
import { emailSchema, thresholdSchema } from "./args-schema";
import { alarmTopicProblems } from "./cross-arg-rules";

const TYPE = "faktory-ha:aws:Alarms";
/** Faktory's job port, the Service port the NLB forwards (the supervisor contract's). */
const FAKTORY_PORT = SUPERVISOR_INTS.port.default;

/** Where alarm notifications go: an existing SNS topic, or one the component creates. */
export type AlarmTopic =
  | {
      /** An existing SNS topic's ARN; nothing is created. */
      readonly arn: pulumi.Input<string>;
    }
  | {
      /**
       * E-mail addresses subscribed to the created topic. Each must confirm the subscription AWS
       * sends before it receives anything; AWS does not let the provider delete a subscription still
       * pending confirmation (removing an address leaves it in AWS until it expires or the topic goes).
       * @default []
       */
      readonly emails?: readonly string[];
      /**
       * A customer-managed KMS key for the topic. CloudWatch can publish to it only if the key
       * policy allows `cloudwatch.amazonaws.com` `kms:Decrypt` and `kms:GenerateDataKey*`; the
       * AWS-managed `alias/aws/sns` key does not, so it is refused.
       * @default undefined (no server-side encryption: notifications carry alarm names and metric values only)
       */
      readonly kmsMasterKeyId?: pulumi.Input<string>;
    };

/**
 * The NLB the AWS Load Balancer Controller created for a `LoadBalancer` Service. The controller
 * tags the load balancer and its target groups with the Service (`service.k8s.aws/stack`,
 * `service.k8s.aws/resource`) and the cluster (`elbv2.k8s.aws/cluster`); they are looked up by
 * those tags once the inputs below are known, so pass outputs of the Service to wait for it.
 */
export interface ControllerLoadBalancer {
  /** The Service's namespace. */
  readonly namespace: pulumi.Input<string>;
  /** The Service's name, e.g. `faktory.loadBalancerServiceName`. */
  readonly serviceName: pulumi.Input<string>;
  /**
   * The cluster name the controller was installed with (`elbv2.k8s.aws/cluster`), e.g.
   * `cluster.clusterName`; needed when several clusters in the account could have the same Service.
   * @default undefined (match on the Service tags only)
   */
  readonly clusterName?: pulumi.Input<string | undefined>;
  /**
   * The Service ports; each has its own target group (one listener per port).
   * @default [7419] (Faktory's job port, the supervisor contract's `port`)
   */
  readonly ports?: readonly number[];
  /**
   * Anything the lookup must wait for, e.g. `faktory.loadBalancerHostname` (the controller writes it
   * into the Service status once the NLB exists). The lookup fails if no load balancer matches.
   * @default undefined (wait only for the inputs above)
   */
  readonly ready?: pulumi.Input<unknown>;
}

export interface AlarmsArgs {
  /**
   * The replication group's cache clusters, one per node (`redis.cacheClusterIds`). Each node gets
   * five alarms: memory, engine CPU, replication lag, evictions and connections.
   */
  readonly cacheClusterIds: readonly pulumi.Input<string>[];
  /**
   * Where alarm and OK notifications go.
   * @default { emails: [] } (a new SNS topic without subscriptions: subscribe to it yourself)
   */
  readonly topic?: AlarmTopic;
  /**
   * Thresholds and the evaluation window.
   * @default see `AlarmThresholds` (`ALARM_DEFAULTS`)
   */
  readonly thresholds?: AlarmThresholds;
  /**
   * An `UnHealthyHostCount` alarm per target group of this NLB.
   * @default undefined (no NLB alarm)
   */
  readonly loadBalancer?: ControllerLoadBalancer;
  /**
   * Tags for every resource the component creates.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * CloudWatch alarms for Faktory's ElastiCache replication group (every node: memory, engine CPU,
 * replication lag, evictions, connections) and, optionally, the internal NLB's unhealthy targets,
 * notifying an SNS topic on alarm and on recovery.
 */
export class Alarms extends pulumi.ComponentResource {
  /** The SNS topic notified (created or given). */
  public readonly topicArn: pulumi.Output<string>;
  /** The CloudWatch alarm names, cache node alarms first (node by node), then the NLB's. */
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    const topic: AlarmTopic = args.topic ?? { emails: [] };
    const thresholds = validateAlarmsArgs(name, args, topic);
    const ports = args.loadBalancer ? (args.loadBalancer.ports ?? [FAKTORY_PORT]) : [];
    const tags = args.tags ?? {};

    super(TYPE, name, {}, opts);
    const parent = { parent: this };

    let topicArn: pulumi.Output<string>;
    if ("arn" in topic) {
      topicArn = pulumi.output(topic.arn);
    } else {
      const created = new aws.sns.Topic(
        `${name}-topic`,
        { kmsMasterKeyId: topic.kmsMasterKeyId, tags },
        parent,
      );
      (topic.emails ?? []).forEach(
        (email, i) =>
          new aws.sns.TopicSubscription(
            `${name}-email-${i}`,
            { topic: created.arn, protocol: "email", endpoint: email },
            parent,
          ),
      );
      topicArn = created.arn;
    }

    const alarm = (child: string, spec: AlarmSpec, dimensions: Record<string, pulumi.Input<string>>) =>
      new aws.cloudwatch.MetricAlarm(
        child,
        {
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions,
          statistic: spec.statistic,
          period: spec.period,
          comparisonOperator: spec.comparisonOperator,
          threshold: spec.threshold,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: spec.treatMissingData,
          alarmActions: [topicArn],
          okActions: [topicArn],
          tags,
        },
        parent,
      );

    const alarms: aws.cloudwatch.MetricAlarm[] = [];
    const nodeSpecs = cacheNodeAlarmSpecs(thresholds);
    args.cacheClusterIds.forEach((cacheClusterId, i) => {
      for (const spec of nodeSpecs) {
        // A replication group member (cluster mode disabled) is a cache cluster of one node, "0001".
        alarms.push(
          alarm(`${name}-${spec.role}-${i}`, spec, { CacheClusterId: cacheClusterId, CacheNodeId: "0001" }),
        );
      }
    });

    const lb = args.loadBalancer;
    if (lb) {
      const service = pulumi.all([lb.clusterName, lb.namespace, lb.serviceName, lb.ready]);
      const loadBalancer = aws.lb.getLoadBalancerOutput(
        {
          tags: service.apply(([cluster, namespace, serviceName]) =>
            controllerTags(cluster, namespace, serviceName),
          ),
        },
        parent,
      );
      const spec = targetGroupAlarmSpec(thresholds);
      for (const port of ports) {
        const targetGroup = aws.lb.getTargetGroupOutput(
          {
            tags: service.apply(([cluster, namespace, serviceName]) =>
              controllerTags(cluster, namespace, serviceName, port),
            ),
          },
          parent,
        );
        // NLB target health is published per target group (dimensions LoadBalancer + TargetGroup).
        alarms.push(
          alarm(`${name}-${spec.role}-${port}`, spec, {
            LoadBalancer: loadBalancer.arnSuffix,
            TargetGroup: targetGroup.arnSuffix,
          }),
        );
      }
    }

    this.topicArn = topicArn;
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({ topicArn: this.topicArn, alarmNames: this.alarmNames });
  }
}

const KMS_AWS_SNS = "alias/aws/sns";
const thresholdsShape = {
  memoryPercent: thresholdSchema("memoryPercent").optional(),
  engineCpuPercent: thresholdSchema("engineCpuPercent").optional(),
  replicationLagSeconds: thresholdSchema("replicationLagSeconds").optional(),
  connections: thresholdSchema("connections").optional(),
  unhealthyHosts: thresholdSchema("unhealthyHosts").optional(),
  evaluationMinutes: thresholdSchema("evaluationMinutes").optional(),
} satisfies Record<keyof AlarmThresholds, z.ZodType>;
const alarmsArgsShape = {
  cacheClusterIds: z.array(anyInput, { message: "must be a list of cache cluster ids" }),
  // Both shapes of `AlarmTopic` in one object, so a mix is explained below rather than as a union miss.
  topic: z
    .object({
      arn: anyInput,
      emails: z.array(emailSchema, { message: "must be a list of e-mail addresses" }).optional(),
      kmsMasterKeyId: input(
        z.unknown().refine((key) => key !== KMS_AWS_SNS, {
          message:
            `must not be "${KMS_AWS_SNS}": its key policy does not let CloudWatch publish; ` +
            "use a customer-managed key that allows cloudwatch.amazonaws.com, or none",
        }),
      ),
    })
    .strict()
    .optional(),
  thresholds: z.object(thresholdsShape).strict().optional(),
  loadBalancer: z
    .object({
      namespace: requiredInput("the Service's namespace"),
      serviceName: requiredInput("the Service's name"),
      clusterName: anyInput,
      ports: z
        .array(int("a TCP port", 1, 65535), { message: "must be a list of Service ports" })
        .min(1, { message: "must list at least one Service port" })
        .optional(),
      ready: anyInput,
    } satisfies Record<keyof ControllerLoadBalancer, z.ZodType>)
    .strict()
    .optional(),
  tags: anyInput,
} satisfies Record<keyof AlarmsArgs, z.ZodType>; // every arg of the interface, and no other
const alarmsArgsSchema = z.object(alarmsArgsShape).strict();

/** The thresholds with their defaults; throws one error listing every problem. */
function validateAlarmsArgs(name: string, args: AlarmsArgs, topic: AlarmTopic): ResolvedThresholds {
  const problems = argProblems(alarmsArgsSchema, args);
  if (
    Array.isArray(args.cacheClusterIds) &&
    args.cacheClusterIds.length === 0 &&
    args.loadBalancer === undefined
  ) {
    problems.push("cacheClusterIds must list at least one cache cluster; the list is empty");
  }
  if ("arn" in topic) {
    const emails = "emails" in topic && Array.isArray(topic.emails) ? topic.emails : [];
    for (const p of alarmTopicProblems({ arn: true, emails }, (key) => `topic.${key}`)) {
      problems.push(`${p.key} ${p.rule}`);
    }
    if ("kmsMasterKeyId" in topic) {
      problems.push(
        "topic takes either { arn } (an existing topic) or { emails, kmsMasterKeyId } (a topic to create), not both",
      );
    }
  }
  throwIfProblems(TYPE, name, problems);
  return { ...ALARM_DEFAULTS, ...args.thresholds };
}
