// The contract between the supervisors' scaler endpoint and what reads it: KEDA's `metrics-api` trigger, which
// the Workers component renders. Both sides import this module.

/**
 * `GET <health port><path>?queues=a,b` answers, from any pod (a standby asks the primary), with the primary's
 * latest figures for those queues: 200 and a `ScalerReply` while they are known, 503 and an `UnknownReply` while
 * no primary serves or its figures are stale. KEDA takes an error as "no decision": without a `fallback` it
 * neither scales to zero nor changes the replicas (pkg/scaling/executor/scale_scaledobjects.go), which is the
 * right reaction to a failover; a 0 would be read as "idle" and scale the workers away.
 */
export const SCALER = {
  path: "/scaler",
  /** Comma-separated queue names; at least one. */
  queuesParam: "queues",
  /** A standby forwards once, with this parameter set, so that two standbys never ask each other in a loop. */
  forwardedParam: "forwarded",
  /** Figures older than this many metrics intervals are stale (the primary stopped reading Faktory). */
  staleAfterIntervals: 3,
  /** Queues per request at most. */
  maxQueues: 50,
  /** The fields KEDA's `valueLocation` names (gjson paths into the reply). */
  fields: {
    /** The largest age of the oldest job across the queues, in seconds: the users' latency SLO. */
    latency: "latencySeconds",
    /** Jobs waiting in the queues, summed: divided by a target per replica (KEDA's AverageValue). */
    backlog: "backlog",
  },
} as const;

/**
 * Queue names the endpoint (and the Workers component) accept. Faktory itself checks none, but FETCH and QUEUE
 * LATENCY split on spaces, and the names travel comma-separated in a URL: letters, digits, `.`, `_`, `-`, `:`.
 */
export const QUEUE_NAME_PATTERN = /^[a-zA-Z0-9._:-]{1,100}$/;

export interface ScalerQueue {
  readonly size: number;
  readonly latencySeconds: number;
}

export interface ScalerReply {
  readonly state: "known";
  /** The pod that read the figures (the primary) and its term. */
  readonly primary: string;
  readonly epoch: number;
  /** How old the figures are, in ms (the primary reads Faktory every metrics interval). */
  readonly ageMs: number;
  readonly latencySeconds: number;
  readonly backlog: number;
  readonly queues: Readonly<Record<string, ScalerQueue>>;
}

export interface UnknownReply {
  readonly state: "unknown";
  readonly reason: string;
}
