// Every default of the Workers component, in one place.
import { SUPERVISOR_TLS } from "../../contract/supervisor";
import { PORTS } from "../constants";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../defaults";

export const WORKERS_DEFAULTS = {
  queues: ["default"] as readonly string[],
  /** faktory-worker's and faktory_worker_go's own default. */
  concurrency: 20,
  /**
   * The largest of the clients' own defaults (Go and Ruby 25 s, Node 8 s), so the grace also covers a
   * program that does not read FAKTORY_SHUTDOWN_TIMEOUT.
   */
  shutdownTimeoutSeconds: 25,
  /**
   * terminationGracePeriodSeconds = shutdown timeout + this. After its timeout the client FAILs the jobs
   * still running (Faktory retries them), then exits. faktory-worker 4.7 (Node) FAILs them in parallel,
   * each on a pooled connection it waits up to 5 s for, then waits a fixed 3 s for aborted jobs to clean
   * up, then closes its pool and exits: 5 + 3 s, and 2 s for the exit. The Go and Ruby clients need the
   * same FAIL round trips without the fixed wait. A worker killed before its FAILs land leaves those jobs
   * reserved until their reservation expires (30 min by default), late but not lost.
   */
  shutdownMarginSeconds: 10,
  replicas: 2,
  maxUnavailable: "25%" as number | string,
  requests: FAKTORY_DEFAULTS.requests,
  limits: FAKTORY_DEFAULTS.limits,
  runAsUser: FAKTORY_DEFAULTS.runAsUser,
  port: PORTS.faktory,
  tlsPort: SUPERVISOR_TLS.port.default,
  autoscaling: {
    activationLatencySeconds: 0,
    activationBacklog: 0,
    minReplicas: 0,
    maxReplicas: 10,
    /** KEDA's own default. */
    cooldownSeconds: 300,
    /** The supervisor reads the queues every 5 s; KEDA's default is 30 s, too slow a start from zero. */
    pollingIntervalSeconds: 15,
    /** The horizontal pod autoscaler's own default. */
    scaleDownStabilizationSeconds: 300,
  },
} as const;
