// The rules of the Faktory component's plain args, as zod schemas: the component checks its args with
// them (messages name the arg path, `podLabels.release="x" …`) and the stack config composes the same
// schemas (messages name the stack key, `faktory-ha:podLabels.release: got "x"; …`), so each rule and
// each default lives here once. Messages are predicates ("must be …", "is …") that read after either.
import { z } from "zod";
import { parse as parseToml, TomlError } from "smol-toml";
import { Affinity } from "kubernetes-models/v1/Affinity";
import {
  KEY_PREFIX_PATTERN,
  KEY_PREFIX_RULE,
  LABEL_VALUE_PATTERN,
  LEASE_DEFAULTS,
  STARTUP_DEFAULTS,
  SUPERVISOR_INTS,
} from "../contract/supervisor";
import { cidrSchema } from "../aws/args-schema";
import { int, oneOf } from "../arg-schema";
import { SECRET_KEYS } from "./constants";
import { buildEnv } from "./env";
import { extraEnvListSchema } from "./env-schema";
import { commonLabels } from "./labels";

// Kubernetes label keys (optionally prefixed) and values, as the API server accepts them.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = LABEL_VALUE_PATTERN;
/** An RFC 1123 label: namespace names. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An RFC 1035 label (starts with a letter): Service names. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An RFC 1123 subdomain: the names of Secrets, PriorityClasses and cert-manager issuers. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const keyIssue = (ctx: z.core.$RefinementCtx, key: string, message: string) =>
  ctx.addIssue({ code: "custom", path: [key], message });

// The building blocks both components' schemas share (one wording of "an integer from … to …").
export { bool, int, oneOf } from "../arg-schema";

export const EDITIONS = ["enterprise", "oss"] as const;
export const MAX_SECONDARIES = 10;
export const editionSchema = oneOf(EDITIONS);
export const secondariesSchema = int("the number of hot standbys", 0, MAX_SECONDARIES);
export const namespaceSchema = z
  .string()
  .regex(DNS_1123_LABEL, { message: "must be a Kubernetes namespace name (lowercase DNS label)" });
export const serviceNameSchema = z.string().regex(DNS_1035_LABEL, {
  message:
    'must be a Service name: a DNS label (lowercase letters, digits, "-", starting with a letter, max 63)',
});
export const cidrListSchema = z.array(cidrSchema, { message: "must be a list of IPv4 CIDRs" });

const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:(\d{1,5})$/;
const HOST_PORT_MESSAGE = "must be host:port (a port from 1 to 65535), e.g. datadog-agent.monitoring:8125";
/** Faktory Enterprise statsd settings (rendered to statsd.toml). */
export const statsdSchema = z
  .object({
    location: z.string({ message: HOST_PORT_MESSAGE }).refine(
      (s) => {
        const port = Number(HOST_PORT.exec(s)?.[2] ?? 0);
        return port >= 1 && port <= 65535;
      },
      { message: HOST_PORT_MESSAGE },
    ),
    namespace: z.string().optional(),
    tags: z.array(z.string()).optional(),
  })
  .strict();

/** A lease timing with the supervisor contract's range and default. */
const leaseMs = (what: string, key: keyof typeof LEASE_DEFAULTS & keyof typeof SUPERVISOR_INTS) =>
  int(`${what} in ms`, SUPERVISOR_INTS[key].min, SUPERVISOR_INTS[key].max).default(LEASE_DEFAULTS[key]);
export const leaseSchema = z
  .object({
    ttlMs: leaseMs("the lease ttl", "ttlMs"),
    renewIntervalMs: leaseMs("the lease renew interval", "renewIntervalMs"),
    renewDeadlineMs: leaseMs("the lease renew deadline", "renewDeadlineMs"),
    pollMs: leaseMs("a standby's acquire interval", "pollMs"),
    routerHoldMs: leaseMs("how long a router holds a connection", "routerHoldMs"),
    stopTimeoutMs: leaseMs("the bound on stopping Faktory", "stopTimeoutMs"),
    keyPrefix: z
      .string()
      .regex(KEY_PREFIX_PATTERN, { message: `must be ${KEY_PREFIX_RULE}` })
      .default(LEASE_DEFAULTS.keyPrefix),
    database: int(
      "a Redis database index other than Faktory's",
      SUPERVISOR_INTS.database.min,
      SUPERVISOR_INTS.database.max,
    ).default(LEASE_DEFAULTS.database),
  })
  .strict();

export const LIVENESS_DEFAULTS = {
  periodSeconds: 2,
  failureThreshold: 3,
  timeoutSeconds: 1,
  terminationGracePeriodSeconds: 1,
} as const;
export const livenessSchema = z
  .object({
    periodSeconds: int("the liveness probe period in seconds", 1).default(LIVENESS_DEFAULTS.periodSeconds),
    failureThreshold: int("the liveness failures before a restart", 1).default(
      LIVENESS_DEFAULTS.failureThreshold,
    ),
    timeoutSeconds: int("the liveness probe timeout in seconds", 1).default(LIVENESS_DEFAULTS.timeoutSeconds),
    terminationGracePeriodSeconds: int("the kill grace after a liveness failure in seconds", 1).default(
      LIVENESS_DEFAULTS.terminationGracePeriodSeconds,
    ),
  })
  .strict();

export const startupSchema = z
  .object({
    periodSeconds: int("the startup probe period in seconds", 1, 60).default(STARTUP_DEFAULTS.periodSeconds),
    failureThreshold: int("the startup probe failures before a restart", 1, 10_000).default(
      STARTUP_DEFAULTS.failureThreshold,
    ),
  })
  .strict();

/** A map of Kubernetes labels (keys checked one by one, so a message names the bad key). */
export const labelMap = z
  .record(
    z.string(),
    z.string({ message: "must be a label value as a quoted string" }).regex(LABEL_VALUE, {
      message: "must be a Kubernetes label value: up to 63 letters, digits, '-', '_', '.'",
    }),
    { message: 'must be a map of Kubernetes labels, e.g. { release: "kube-prometheus-stack" }' },
  )
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map).filter((k) => !LABEL_KEY.test(k))) {
      keyIssue(
        ctx,
        key,
        `label key ${JSON.stringify(key)} is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)`,
      );
    }
  });

/** The labels the component puts on its pods; its selector is among them. */
const OWN_LABELS: readonly string[] = Object.keys(commonLabels({ instance: "x" }));

/** Extra pod labels: any label but the component's own (it selects its pods by them). */
export const podLabelsSchema = labelMap.superRefine((map, ctx) => {
  for (const key of Object.keys(map).filter((k) => OWN_LABELS.includes(k))) {
    keyIssue(
      ctx,
      key,
      `label key ${JSON.stringify(key)} is set by the component (its selector and part-of/managed-by labels: ${OWN_LABELS.join(", ")}); use another key`,
    );
  }
});

/** Annotations: keys as label keys, values any string. */
export const annotationMap = z
  .record(z.string(), z.string({ message: "must be an annotation value as a quoted string" }), {
    message: 'must be a map of annotations, e.g. { "example.com/owner": "payments" }',
  })
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map).filter((k) => !LABEL_KEY.test(k))) {
      keyIssue(
        ctx,
        key,
        `annotation key ${JSON.stringify(key)} is not a Kubernetes annotation key (such as example.com/owner)`,
      );
    }
  });

export const TOLERATION_OPERATORS = ["Exists", "Equal"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** One toleration, as in a pod spec. */
export const tolerationSchema = z
  .object({
    key: z.string().regex(LABEL_KEY, { message: "must be a taint key such as dedicated" }).optional(),
    operator: oneOf(TOLERATION_OPERATORS).optional(),
    value: z.string({ message: "must be a taint value as a quoted string" }).optional(),
    effect: oneOf(TAINT_EFFECTS).optional(),
    tolerationSeconds: z
      .number()
      .int({ message: "must be a whole number of seconds" })
      .min(0, { message: "must be a whole number of seconds" })
      .optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.operator === "Exists" && t.value !== undefined && t.value !== "") {
      ctx.addIssue({ code: "custom", path: ["value"], message: 'must be empty with operator "Exists"' });
    }
    if (t.key === undefined && t.operator !== "Exists") {
      ctx.addIssue({
        code: "custom",
        path: ["key"],
        message: 'is required unless operator is "Exists" (which tolerates every taint)',
      });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      ctx.addIssue({
        code: "custom",
        path: ["tolerationSeconds"],
        message: 'is only allowed with effect "NoExecute"',
      });
    }
  });
export const tolerationsSchema = z.array(tolerationSchema, {
  message:
    'must be a list of tolerations, e.g. [{ key: "dedicated", value: "faktory", effect: "NoSchedule" }]',
});

/** Pod affinity: the three Kubernetes parts, each checked against the Kubernetes schema. */
export const affinitySchema = z
  .object({
    nodeAffinity: z.record(z.string(), z.unknown()).optional(),
    podAffinity: z.record(z.string(), z.unknown()).optional(),
    podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((affinity, ctx) => {
    try {
      new Affinity(affinity as never).validate();
    } catch (e) {
      const errors = (e as { errors?: { instancePath?: string; message?: string; params?: object }[] })
        .errors;
      for (const err of errors ?? [{ message: (e as Error).message }]) {
        const path = (err.instancePath ?? "").split("/").filter((p) => p !== "");
        const allowed =
          err.params && "allowedValues" in err.params
            ? ` (${(err.params.allowedValues as string[]).join(", ")})`
            : "";
        ctx.addIssue({
          code: "custom",
          path: path.map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
          message: `${err.message ?? "is invalid"}${allowed} (Kubernetes Affinity schema)`,
        });
      }
    }
  });

export const priorityClassNameSchema = z.string().regex(DNS_SUBDOMAIN, {
  message: "must be a PriorityClass name (lowercase letters, digits, '-', '.'; at most 253)",
});

export const secretNameSchema = z.string().regex(DNS_SUBDOMAIN, {
  message: "must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)",
});

// Kubernetes resource quantities: a decimal number with an optional SI, binary or exponent suffix.
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/;
const SUFFIX: Readonly<Record<string, number>> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** The value of a Kubernetes quantity ("250m" → 0.25, "1Gi" → 2^30); undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const suffix = m[3] ?? "";
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (SUFFIX[suffix] ?? 1);
  return Number(m[1]) * scale;
}
const quantity = (example: string) =>
  z
    .string({ message: `must be a Kubernetes quantity as a quoted string, such as "${example}"` })
    .refine((q) => parseQuantity(q) !== undefined, {
      message: `must be a Kubernetes quantity such as "${example}"`,
    });
const cpuMemory = z
  .object({ cpu: quantity("250m").optional(), memory: quantity("512Mi").optional() })
  .strict();

export const RESOURCE_DEFAULTS = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "2", memory: "1Gi" },
} as const;

/** Container resources; a part left out takes its default, and no request may exceed its limit. */
export const resourcesSchema = z
  .object({ requests: cpuMemory.optional(), limits: cpuMemory.optional() })
  .strict()
  .superRefine((r, ctx) => {
    const requests = r.requests ?? RESOURCE_DEFAULTS.requests;
    const limits = r.limits ?? RESOURCE_DEFAULTS.limits;
    for (const what of ["cpu", "memory"] as const) {
      const request = requests[what];
      const limit = limits[what];
      if (request === undefined || limit === undefined) continue;
      if ((parseQuantity(request) ?? 0) > (parseQuantity(limit) ?? Infinity)) {
        ctx.addIssue({
          code: "custom",
          path: ["requests", what],
          message: `must not exceed the limit limits.${what} (${JSON.stringify(limit)}${r.limits?.[what] === undefined ? ", the default" : ""}): raise the limit too`,
        });
      }
    }
  });

/** Environment variables the component sets: the supervisor contract (FAKTORY_HA_*) and its Secret's keys. */
export const OWN_ENV: readonly string[] = [
  ...new Set([
    ...Object.values(SECRET_KEYS),
    ...buildEnv({ edition: "enterprise", secretName: "x", lease: LEASE_DEFAULTS }).map((e) => e.name),
  ]),
];
const OWN_ENV_PREFIX = "FAKTORY_HA_";

/** Extra plain environment variables for the Faktory container. */
export const extraEnvSchema = extraEnvListSchema((name) =>
  name.startsWith(OWN_ENV_PREFIX) || OWN_ENV.includes(name)
    ? `(the supervisor contract's ${OWN_ENV_PREFIX}* and ${Object.values(SECRET_KEYS).join(", ")}): set those through the component's args or existingSecret`
    : undefined,
);

/** conf.d files the component renders from its own args. */
export const OWN_CONF_FILES = { "cron.toml": "cron", "statsd.toml": "statsd" } as const;
const CONF_FILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,247}\.toml$/;

/** The position and reason of a TOML syntax error, or undefined when the text parses. */
export function tomlProblem(text: string): string | undefined {
  try {
    parseToml(text);
    return undefined;
  } catch (e) {
    if (!(e instanceof TomlError)) return (e as Error).message;
    const reason = e.message.replace(/^Invalid TOML document: /, "").split("\n")[0];
    return `line ${e.line}, column ${e.column}: ${reason}`;
  }
}

/** Extra conf.d files (e.g. `throttles.toml`): file name → TOML text, checked by parsing it. */
export const extraConfFilesSchema = z
  .record(z.string(), z.string({ message: "must be the file's TOML text as a string" }), {
    message: 'must be a map of file name to TOML text, e.g. { "throttles.toml": "[throttles]\\n…" }',
  })
  .superRefine((files, ctx) => {
    for (const [file, text] of Object.entries(files)) {
      if (file in OWN_CONF_FILES) {
        const arg = OWN_CONF_FILES[file as keyof typeof OWN_CONF_FILES];
        keyIssue(ctx, file, `file ${file} is rendered by the component from ${arg}: set ${arg} instead`);
      } else if (!CONF_FILE.test(file)) {
        keyIssue(
          ctx,
          file,
          `file name ${JSON.stringify(file)} must end in .toml and use only letters, digits, '_', '-', '.' (at most 253)`,
        );
      } else {
        const problem = tomlProblem(text);
        if (problem !== undefined) keyIssue(ctx, file, `file ${file} is not valid TOML: ${problem}`);
      }
    }
  });

/** The pod-placement and pod-content args, shared with the stack config. */
export const podShape = {
  nodeSelector: labelMap.optional(),
  tolerations: tolerationsSchema.optional(),
  affinity: affinitySchema.optional(),
  priorityClassName: priorityClassNameSchema.optional(),
  podAnnotations: annotationMap.optional(),
  podLabels: podLabelsSchema.optional(),
  extraEnv: extraEnvSchema.optional(),
  extraConfFiles: extraConfFilesSchema.optional(),
  existingSecret: secretNameSchema.optional(),
} as const;
