// The pure pieces, for tests and for other modules (the Kubernetes component reads the defaults).
export { ConfigError, parseConfig, redactUrl, defaultAdvertiseHost, type SupervisorConfig } from "./config";
export {
  ACQUIRE_LUA,
  RENEW_LUA,
  RELEASE_LUA,
  leaseKeys,
  parseLeaseValue,
  splitHostPort,
  joinHostPort,
  type LeaseValue,
} from "./lease-scripts";
export { Elector, type ElectorHooks, type Role } from "./elector";
export { systemClock, type Clock } from "./clock";
export type { LeaseStore } from "./lease-store";
export {
  replyLength,
  rewriteHello,
  passwordHash,
  parseGreeting,
  isShutdownRefusal,
} from "./faktory-protocol";
export { SupervisorMetrics, RENEW_BUCKETS } from "./metrics";
export { faktoryFigures, FaktoryInfoClient, OTHER_QUEUE, DEFAULT_MAX_QUEUES } from "./faktory-info";
export { redact } from "./log";
export { RedisLease, redisOptions } from "./redis-lease";
