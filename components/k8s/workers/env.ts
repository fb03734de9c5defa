// A worker container's environment (components/contract/worker.ts). The password is only ever a
// `secretKeyRef`; FAKTORY_URL takes it by Kubernetes' dependent-variable expansion, `$(FAKTORY_PASSWORD)`,
// which the kubelet resolves in the container's environment: no pod spec or ConfigMap holds it.
import { WORKER_ENV, WORKER_TLS, formatQueues, type WorkerQueues } from "../../contract/worker";
import type { EnvVar } from "../env";
import type { ExtraEnvVar } from "../types";

/** A key of a Secret whose name is known (a builder's input). */
export interface SecretKey {
  readonly name: string;
  readonly key: string;
}

/**
 * The CA the workers trust, mounted from a Secret key. `optional`: the Secret may lack the key (a Faktory's
 * TLS Secret holds `ca.crt` only for a private CA); the pod then starts without the file, and the clients
 * keep their system roots (Go, OpenSSL and Node each skip a missing file).
 */
export interface CaSecret extends SecretKey {
  readonly optional?: boolean;
}

export interface WorkerEnvInput {
  readonly host: string;
  readonly port: number;
  /** `tcp+tls://` instead of `tcp://`. */
  readonly tls: boolean;
  /** With a mounted CA: the variables the clients' TLS stacks read it from. */
  readonly caMounted: boolean;
  readonly passwordSecret: SecretKey;
  readonly queues: WorkerQueues;
  readonly concurrency: number;
  readonly shutdownTimeoutSeconds: number;
  /** @default [] */
  readonly extraEnv?: readonly ExtraEnvVar[];
}

/** The path of the mounted CA file. */
export const CA_FILE = `${WORKER_TLS.dir}/${WORKER_TLS.file}`;

/** The env list: the password first (FAKTORY_URL refers to it, and expansion sees only earlier variables). */
export function buildWorkerEnv(input: WorkerEnvInput): EnvVar[] {
  const scheme = input.tls ? "tcp+tls" : "tcp";
  return [
    {
      name: WORKER_ENV.password,
      valueFrom: { secretKeyRef: { name: input.passwordSecret.name, key: input.passwordSecret.key } },
    },
    { name: WORKER_ENV.url, value: `${scheme}://:$(${WORKER_ENV.password})@${input.host}:${input.port}` },
    { name: WORKER_ENV.queues, value: formatQueues(input.queues) },
    { name: WORKER_ENV.concurrency, value: String(input.concurrency) },
    { name: WORKER_ENV.shutdownTimeout, value: String(input.shutdownTimeoutSeconds) },
    ...(input.caMounted
      ? [
          { name: WORKER_TLS.certFileEnv, value: CA_FILE },
          { name: WORKER_TLS.nodeExtraCaEnv, value: CA_FILE },
        ]
      : []),
    ...(input.extraEnv ?? []).map(({ name, value }) => ({ name, value })),
  ];
}
