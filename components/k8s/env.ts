// The container's environment. Secrets are only ever `secretKeyRef`s to the component's Secret, so a
// rendered manifest never holds a password, a Redis token or the license.
import { CONFIG_DIR, PORTS, SECRET_KEYS } from "./constants";
import type { FaktoryEdition, LeaseSettings } from "./types";

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
  /** Name of the Secret holding REDIS_URL, FAKTORY_PASSWORD and FAKTORY_LICENSE. */
  readonly secretName: string;
  readonly lease: Required<LeaseSettings>;
}

const fromSecret = (secretName: string, key: string): EnvVar => ({
  name: key,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

/** The env list: the supervisor contract for enterprise; only the password for oss. */
export function buildEnv(input: EnvInput): EnvVar[] {
  const password = fromSecret(input.secretName, SECRET_KEYS.password);
  if (input.edition === "oss") return [password];
  const { lease } = input;
  const literal = (name: string, value: string | number): EnvVar => ({ name, value: String(value) });
  return [
    fromSecret(input.secretName, SECRET_KEYS.redisUrl),
    password,
    fromSecret(input.secretName, SECRET_KEYS.license),
    // The pod name is stable across restarts in a StatefulSet, so /status and the lease name a pod.
    { name: "FAKTORY_HA_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "FAKTORY_HA_ADVERTISE_HOST", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    literal("FAKTORY_HA_PORT", PORTS.faktory),
    literal("FAKTORY_HA_WEB_PORT", PORTS.web),
    literal("FAKTORY_HA_HEALTH_PORT", PORTS.health),
    literal("FAKTORY_HA_INTERNAL_PORT", PORTS.internal),
    literal("FAKTORY_HA_INTERNAL_WEB_PORT", PORTS.internalWeb),
    literal("FAKTORY_HA_KEY_PREFIX", lease.keyPrefix),
    literal("FAKTORY_HA_LEASE_TTL_MS", lease.ttlMs),
    literal("FAKTORY_HA_RENEW_INTERVAL_MS", lease.renewIntervalMs),
    literal("FAKTORY_HA_RENEW_DEADLINE_MS", lease.renewDeadlineMs),
    literal("FAKTORY_HA_POLL_MS", lease.pollMs),
    literal("FAKTORY_HA_ROUTER_HOLD_MS", lease.routerHoldMs),
    literal("FAKTORY_HA_STOP_TIMEOUT_MS", lease.stopTimeoutMs),
    literal("FAKTORY_HA_CONFIG_DIR", CONFIG_DIR),
  ];
}
