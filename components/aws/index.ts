export { Network } from "./network";
export type { NetworkArgs, NatGatewayMode } from "./network";
export { Cluster, CLUSTER_DEFAULTS } from "./cluster";
export type {
  ClusterArgs,
  ExistingClusterArgs,
  KubeconfigClusterArgs,
  NewClusterArgs,
  ProviderClusterArgs,
} from "./cluster";
export { Redis, REDIS_DEFAULTS } from "./redis";
export type { RedisArgs } from "./redis";
export { redisUrl } from "./redis-config";
export { Alarms } from "./alarms";
export type { AlarmsArgs, AlarmTopic, ControllerLoadBalancer } from "./alarms";
export { ALARM_DEFAULTS, ALARM_LIMITS, cacheNodeAlarmSpecs, targetGroupAlarmSpec } from "./alarm-config";
export type { AlarmThresholds, AlarmSpec } from "./alarm-config";
export type { RedisEngine } from "./redis-config";
export { Image } from "./image";
export type { ImageArgs } from "./image";
export { imageRefProblem } from "./image-ref";
export { LB_CONTROLLER_CHART_VERSION, LB_CONTROLLER_POLICY_VERSION } from "./lb-controller";
