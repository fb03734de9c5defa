// The container's environment. Secrets are only ever `secretKeyRef`s to the component's Secret (or the
// user's existing one), so a
// rendered manifest never holds a password, a Redis token or the license.
import {
  SUPERVISOR_INTS,
  SUPERVISOR_STRINGS,
  supervisorEnv,
  supervisorTlsEnv,
  type SupervisorTlsSettings,
} from "../contract/supervisor";
import { CONFIG_DIR, PORTS, SECRET_KEYS } from "./constants";
import type { ExtraEnvVar, FaktoryEdition, LeaseSettings } from "./types";

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}

export interface EnvInput {
  readonly edition: FaktoryEdition;
  /** Name of the Secret holding FAKTORY_PASSWORD, FAKTORY_LICENSE and (unless below) REDIS_URL. */
  readonly secretName: string;
  /** Name of the Secret holding REDIS_URL. @default secretName */
  readonly redisUrlSecretName?: string;
  readonly lease: Required<LeaseSettings>;
  /** Plain variables added after the component's own (names checked by the component). @default [] */
  readonly extraEnv?: readonly ExtraEnvVar[];
  /** The routers' TLS (enterprise): its variables; the certificate itself is a mounted Secret. @default off */
  readonly tls?: SupervisorTlsSettings | { readonly mode: "off" };
}

/** The pod's template revision, as the StatefulSet controller labels it. */
export const REVISION_FIELD = "metadata.labels['controller-revision-hash']";

const fromSecret = (secretName: string, key: string): EnvVar => ({
  name: key,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

/** The env list: the supervisor contract for enterprise, only the password for oss; then `extraEnv`. */
export function buildEnv(input: EnvInput): EnvVar[] {
  const password = fromSecret(input.secretName, SECRET_KEYS.password);
  const extra = (input.extraEnv ?? []).map(({ name, value }) => ({ name, value }));
  if (input.edition === "oss") return [password, ...extra];
  const { lease } = input;
  const literals = supervisorEnv({
    port: PORTS.faktory,
    webPort: PORTS.web,
    healthPort: PORTS.health,
    internalPort: PORTS.internal,
    internalWebPort: PORTS.internalWeb,
    ...lease,
    metricsIntervalMs: SUPERVISOR_INTS.metricsIntervalMs.default,
    configDir: CONFIG_DIR,
  });
  const tls = supervisorTlsEnv(input.tls ?? { mode: "off" });
  return [
    fromSecret(input.redisUrlSecretName ?? input.secretName, SECRET_KEYS.redisUrl),
    password,
    fromSecret(input.secretName, SECRET_KEYS.license),
    // The pod name is stable across restarts in a StatefulSet, so /status and the lease name a pod.
    { name: SUPERVISOR_STRINGS.id.env, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: SUPERVISOR_STRINGS.advertiseHost.env, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    // Set by the StatefulSet controller on every pod: in a rolling update, tells updated pods apart.
    { name: SUPERVISOR_STRINGS.revision.env, valueFrom: { fieldRef: { fieldPath: REVISION_FIELD } } },
    // New for every pod, the same across its container restarts: a restarted container knows its term.
    { name: SUPERVISOR_STRINGS.podUid.env, valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
    ...Object.entries({ ...literals, ...tls }).map(([name, value]) => ({ name, value })),
    ...extra,
  ];
}
