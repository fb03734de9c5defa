// The contract between the Workers component, which writes a worker pod's environment, and the user's worker
// program, which reads it (with faktory-worker for Node, faktory_worker_go, faktory_worker_ruby). Both sides
// can import this module; `parseQueues` is what a TypeScript worker calls on FAKTORY_QUEUES.
import { QUEUE_NAME_PATTERN } from "./scaler";

/** The variables a worker container gets. */
export const WORKER_ENV = {
  /** `tcp://:$(FAKTORY_PASSWORD)@host:port` (`tcp+tls://` with TLS): every client reads it as is. */
  url: "FAKTORY_URL",
  /** From a Secret (`secretKeyRef`), never a literal; the URL takes it by dependent-variable expansion. */
  password: "FAKTORY_PASSWORD",
  /** `critical,default` (strict priority order) or `critical:3,default:1` (weighted random); see formatQueues. */
  queues: "FAKTORY_QUEUES",
  /** Jobs one process runs at once: faktory-worker's `concurrency`, faktory_worker_go's `Concurrency`. */
  concurrency: "FAKTORY_CONCURRENCY",
  /**
   * Seconds the client waits for running jobs after SIGTERM before it FAILs them back (faktory-worker's
   * `timeout`, faktory_worker_go's `ShutdownTimeout`, faktory_worker_ruby's `-t`).
   */
  shutdownTimeout: "FAKTORY_SHUTDOWN_TIMEOUT",
} as const;

/**
 * Read by faktory-worker and faktory_worker_go to name the variable holding the URL: a worker that set it
 * would connect somewhere else than FAKTORY_URL says, so the component refuses it in `extraEnv`.
 */
export const PROVIDER_ENV = "FAKTORY_PROVIDER";

/** Where a TLS CA from a Secret is mounted, and the variables the clients' TLS stacks read it from. */
export const WORKER_TLS = {
  dir: "/etc/faktory-worker/tls",
  file: "ca.crt",
  /** Go's crypto/x509 and OpenSSL (Ruby) read their roots from this file. */
  certFileEnv: "SSL_CERT_FILE",
  /** Node adds these to its roots at start (faktory-worker connects with TLS when given `tlsOptions`). */
  nodeExtraCaEnv: "NODE_EXTRA_CA_CERTS",
} as const;

/** The queues a worker fetches from: names in strict priority order, or name → weight (weighted random). */
export type WorkerQueues = readonly string[] | Readonly<Record<string, number>>;

/**
 * A queue name that could not travel in FAKTORY_QUEUES: it must pass the scaler contract's pattern and must
 * not end in `:<digits>`, which would read as a weight.
 */
export function queueNameProblem(name: string): string | undefined {
  if (!QUEUE_NAME_PATTERN.test(name)) {
    return "must be 1 to 100 letters, digits, '.', '_', ':' or '-' (Faktory splits commands on spaces; the scaler takes names comma-separated)";
  }
  if (/:\d+$/.test(name)) return "must not end in ':<digits>': FAKTORY_QUEUES writes a weight as name:weight";
  return undefined;
}

/** FAKTORY_QUEUES: `a,b` for a list, `a:3,b:1` for weights. */
export function formatQueues(queues: WorkerQueues): string {
  if (isQueueList(queues)) return queues.join(",");
  return Object.entries(queues)
    .map(([name, weight]) => `${name}:${weight}`)
    .join(",");
}

/**
 * FAKTORY_QUEUES as the clients take it: a list for strict order (faktory-worker's `queues: [...]`,
 * faktory_worker_go's `ProcessStrictPriorityQueues`), a record for weights (`queues: { a: 3 }`,
 * `ProcessWeightedPriorityQueues`). Weighted when every entry ends in `:<digits>`.
 */
export function parseQueues(value: string): WorkerQueues {
  const entries = value.split(",").filter((e) => e !== "");
  const weighted = entries.length > 0 && entries.every((e) => /:\d+$/.test(e));
  if (!weighted) return entries;
  return Object.fromEntries(
    entries.map((e) => {
      const at = e.lastIndexOf(":");
      return [e.slice(0, at), Number(e.slice(at + 1))];
    }),
  );
}

export function isQueueList(queues: WorkerQueues): queues is readonly string[] {
  return Array.isArray(queues);
}

/** The queue names, in order. */
export function queueNames(queues: WorkerQueues): string[] {
  return isQueueList(queues) ? [...queues] : Object.keys(queues);
}
