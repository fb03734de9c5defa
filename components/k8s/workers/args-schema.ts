// The rules of the Workers component's args as zod schemas, with their defaults (WORKERS_DEFAULTS). Messages
// are predicates ("must be …") that read after the arg path and the value received.
import { z } from "zod";
import { anyInput, input, int, isDeferred } from "../../arg-schema";
import { pinnedImageSchema } from "../../aws/args-schema";
import { SCALER } from "../../contract/scaler";
import { PROVIDER_ENV, queueNameProblem, WORKER_ENV } from "../../contract/worker";
import {
  affinitySchema,
  annotationMap,
  labelMap,
  namespaceSchema,
  podLabelsSchema,
  priorityClassNameSchema,
  secretNameSchema,
  tolerationsSchema,
} from "../args-schema";
import { extraEnvListSchema } from "../env-schema";
import { Faktory } from "../faktory";
import { WORKERS_DEFAULTS } from "./defaults";
import type { ExternalWorkersArgs, FaktoryWorkersArgs } from "./types";

const custom = (ctx: z.core.$RefinementCtx, message: string, path: PropertyKey[] = []) =>
  ctx.addIssue({ code: "custom", path, message });

/** A required Input: present, and checked by `schema` when plain (an Output is known only at deployment). */
const requiredInput = (what: string, schema: z.ZodType) =>
  z.unknown().superRefine((value, ctx) => {
    if (value === undefined) return custom(ctx, `is required: ${what}`);
    if (isDeferred(value)) return;
    for (const issue of schema.safeParse(value).error?.issues ?? []) custom(ctx, issue.message, issue.path);
  });

/** A number in [min, max] (or above `min` when `exclusive`), described as `what`: fractions allowed. */
const number = (what: string, min: number, max: number, exclusive = false) => {
  const message = `must be ${what}: a number ${exclusive ? `> ${min} and ≤ ${max}` : `from ${min} to ${max}`}`;
  const n = z.number({ message });
  return (exclusive ? n.gt(min, { message }) : n.min(min, { message })).max(max, { message });
};

const MAX_REPLICAS = 1000;
const MAX_SECONDS = 86_400;
export const MAX_QUEUE_WEIGHT = 100;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const weightSchema = int(
  "a weight (how often the queue is tried first, relative to the others)",
  1,
  MAX_QUEUE_WEIGHT,
);

/** Queue names in strict priority order, or name → weight; 1 to SCALER.maxQueues, each name once. */
export const queuesSchema = z.unknown().superRefine((queues, ctx) => {
  const names = Array.isArray(queues)
    ? (queues as unknown[])
    : isRecord(queues)
      ? Object.keys(queues)
      : undefined;
  if (names === undefined) {
    return custom(
      ctx,
      'must be a list of queue names (strict priority order), e.g. ["critical", "default"], or a map of queue name to weight, e.g. { critical: 3, default: 1 }',
    );
  }
  if (names.length === 0 || names.length > SCALER.maxQueues) {
    custom(
      ctx,
      `must name 1 to ${SCALER.maxQueues} queues (the scaler endpoint reads at most ${SCALER.maxQueues})`,
    );
  }
  const seen = new Set<unknown>();
  names.forEach((name, i) => {
    const path = Array.isArray(queues) ? [i] : [String(name)];
    const what = Array.isArray(queues) ? "" : `queue name ${JSON.stringify(name)} `;
    const problem = typeof name === "string" ? queueNameProblem(name) : "must be a queue name as a string";
    if (problem !== undefined) custom(ctx, `${what}${problem}`, path);
    else if (seen.has(name)) custom(ctx, "is given twice", path);
    seen.add(name);
    if (isRecord(queues)) {
      for (const issue of weightSchema.safeParse(queues[String(name)]).error?.issues ?? []) {
        custom(ctx, issue.message, path);
      }
    }
  });
});

/** A count of pods ≥ 1 or a percentage 1%–100%: a budget of 0 would block every node drain. */
export const maxUnavailableSchema = z.unknown().superRefine((value, ctx) => {
  const ok =
    (typeof value === "number" && Number.isInteger(value) && value >= 1) ||
    (typeof value === "string" && /^(100|[1-9][0-9]?)%$/.test(value));
  if (!ok) {
    custom(
      ctx,
      'must be a number of pods ≥ 1 or a percentage from 1% to 100%, e.g. "25%" (0 would block every node drain)',
    );
  }
});

const A = WORKERS_DEFAULTS.autoscaling;
/** The `autoscaling` arg, its defaults, and the rules between its parts. */
const autoscalingShape = z
  .object({
    targetLatencySeconds: number(
      "the target age of the oldest job in seconds",
      0,
      MAX_SECONDS,
      true,
    ).optional(),
    targetBacklogPerReplica: int("the target of waiting jobs per replica", 1, 1_000_000).optional(),
    activationLatencySeconds: number(
      "the latency in seconds that starts workers from zero",
      0,
      MAX_SECONDS,
    ).default(A.activationLatencySeconds),
    activationBacklog: int("the waiting jobs that start workers from zero", 0, 1_000_000).default(
      A.activationBacklog,
    ),
    minReplicas: int("the fewest replicas (0: scale to zero)", 0, MAX_REPLICAS).default(A.minReplicas),
    maxReplicas: int("the most replicas", 1, MAX_REPLICAS).default(A.maxReplicas),
    cooldownSeconds: int("the idle seconds before the last replica goes", 0, MAX_SECONDS).default(
      A.cooldownSeconds,
    ),
    pollingIntervalSeconds: int("how often KEDA asks, in seconds", 1, 3600).default(A.pollingIntervalSeconds),
    scaleDownStabilizationSeconds: int("the scale-down stabilization window in seconds", 0, 3600).default(
      A.scaleDownStabilizationSeconds,
    ),
  })
  .strict();
export const autoscalingSchema = autoscalingShape.superRefine((a, ctx) => {
  // Each rule compares values that passed their own checks (zod runs this after reporting those).
  const valid = (key: keyof typeof a) => autoscalingShape.shape[key].safeParse(a[key]).success;
  if (a.targetLatencySeconds === undefined && a.targetBacklogPerReplica === undefined) {
    custom(
      ctx,
      "must set targetLatencySeconds, targetBacklogPerReplica or both: the signal the workers scale on",
    );
  }
  if (valid("minReplicas") && valid("maxReplicas") && a.minReplicas > a.maxReplicas) {
    custom(ctx, `must not exceed maxReplicas (${a.maxReplicas})`, ["minReplicas"]);
  }
  if (a.targetLatencySeconds === undefined && a.activationLatencySeconds !== A.activationLatencySeconds) {
    custom(ctx, "is only used with targetLatencySeconds: set that too, or remove this", [
      "activationLatencySeconds",
    ]);
  } else if (
    a.targetLatencySeconds !== undefined &&
    valid("targetLatencySeconds") &&
    a.activationLatencySeconds >= a.targetLatencySeconds
  ) {
    custom(
      ctx,
      `must be below targetLatencySeconds (${a.targetLatencySeconds}): workers would start from zero only once the latency had passed its target`,
      ["activationLatencySeconds"],
    );
  }
  if (a.targetBacklogPerReplica === undefined && a.activationBacklog !== A.activationBacklog) {
    custom(ctx, "is only used with targetBacklogPerReplica: set that too, or remove this", [
      "activationBacklog",
    ]);
  }
});

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const SCALER_URL = /^https?:\/\/[^\s?#]+$/;

const SECRET_KEY_MESSAGE = "must be a Secret key (letters, digits, '-', '_', '.')";
const secretKeySelector = (what: string) =>
  z
    .object(
      {
        name: requiredInput("the Secret's name", secretNameSchema),
        key: z.string({ message: SECRET_KEY_MESSAGE }).regex(SECRET_KEY, { message: SECRET_KEY_MESSAGE }),
      },
      { message: `must be { name, key }: ${what}` },
    )
    .strict();

export const connectionSchema = z
  .object(
    {
      host: requiredInput(
        "the Faktory's host name or address",
        z.string().regex(HOST, {
          message: "must be a host name or IP address, e.g. faktory.jobs.svc.cluster.local",
        }),
      ),
      port: int("a TCP port", 1, 65535).optional(),
      passwordSecret: secretKeySelector(
        "the Secret of the workers' namespace and its key holding the password",
      ),
      tls: z
        .object({ caSecret: secretKeySelector("the Secret and its key holding the PEM CA").optional() })
        .strict()
        .optional(),
      scalerUrl: input(
        z.string().regex(SCALER_URL, {
          message: `must be an http(s) URL without a query, e.g. "http://faktory.jobs.svc.cluster.local:7421${SCALER.path}"`,
        }),
      ),
    },
    { message: "must be { host, port?, passwordSecret, tls?, scalerUrl? }" },
  )
  .strict();

/** The variables the component always sets (the TLS ones only with a CA: settings.ts). */
const OWN_ENV: readonly string[] = [...Object.values(WORKER_ENV), PROVIDER_ENV];

export const workersArgsShape = {
  faktory: z
    .custom<Faktory>((v) => v === undefined || v instanceof Faktory, {
      message: "must be a Faktory component (new Faktory(…) from faktory-ha/k8s)",
    })
    .optional(),
  connection: connectionSchema.optional(),
  namespace: input(namespaceSchema),
  image: requiredInput("the worker image, pinned by tag or digest", pinnedImageSchema),
  command: z.array(z.string(), { message: "must be a list of strings" }).optional(),
  args: z.array(z.string(), { message: "must be a list of strings" }).optional(),
  queues: queuesSchema.default(WORKERS_DEFAULTS.queues),
  concurrency: int("the jobs one process runs at once", 1, 10_000).default(WORKERS_DEFAULTS.concurrency),
  shutdownTimeoutSeconds: int("the client's shutdown timeout in seconds", 1, 3600).default(
    WORKERS_DEFAULTS.shutdownTimeoutSeconds,
  ),
  replicas: int("the number of worker pods", 0, MAX_REPLICAS).optional(),
  autoscaling: autoscalingSchema.optional(),
  maxUnavailable: maxUnavailableSchema.default(WORKERS_DEFAULTS.maxUnavailable),
  // Its parts are Inputs: resourcesProblems checks the plain ones.
  resources: anyInput,
  runAsUser: int("a non-root UID", 1).default(WORKERS_DEFAULTS.runAsUser),
  serviceAccountName: z
    .string()
    .refine((name) => secretNameSchema.safeParse(name).success, {
      message: "must be a ServiceAccount name (lowercase letters, digits, '-', '.'; at most 253)",
    })
    .optional(),
  imagePullSecrets: z
    .array(secretNameSchema, { message: 'must be a list of Secret names, e.g. ["registry"]' })
    .optional(),
  labels: labelMap.optional(),
  podLabels: podLabelsSchema.optional(),
  podAnnotations: annotationMap.optional(),
  nodeSelector: labelMap.optional(),
  tolerations: tolerationsSchema.optional(),
  affinity: affinitySchema.optional(),
  priorityClassName: priorityClassNameSchema.optional(),
  extraEnv: extraEnvListSchema((name) =>
    OWN_ENV.includes(name) ? `(${OWN_ENV.join(", ")}): set those through the component's args` : undefined,
  ).optional(),
} satisfies Record<keyof FaktoryWorkersArgs | keyof ExternalWorkersArgs, z.ZodType>; // every arg, no other

export const workersArgsSchema = z.object(workersArgsShape).strict();
