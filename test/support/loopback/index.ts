/**
 * The real thing on loopback for tests, benchmarks and the sandbox: a redis-server on a free port,
 * supervisors (the esbuild bundle under node) each owning an OSS Faktory, all sharing that Redis.
 */
export { faktoryBin, redisServerBin, REPO_ROOT, SHARED_REDIS_BIN } from "./binaries";
export { type BareFaktory, startBareFaktory } from "./bare-faktory";
export { bundleOnce, releaseBundle, supervisorBundle } from "./bundle";
export { freePort } from "./free-port";
export {
  type LoopbackCluster,
  type LoopbackClusterOptions,
  startLoopbackCluster,
  waitForPrimary,
} from "./loopback-cluster";
export {
  killPods,
  type LogEvent,
  startSupervisor,
  type SupervisorHandle,
  type SupervisorOptions,
  type SupervisorPorts,
} from "./processes";
export {
  harnessClient,
  HARNESS_CLIENT_NAME,
  LEASE_DATABASE,
  type RunningRedis,
  sharedRedisEnv,
  startRedis,
} from "./redis";
export { sleep, withTimeout } from "./timers";
