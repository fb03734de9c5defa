// `faktory-ha status`: every Faktory pod's /status, read through the Kubernetes API's pod proxy (no
// port-forward, and no Redis password on the operator's machine), summarised. kubectl does the talking:
// it already holds the operator's credentials, contexts and exec plugins (`aws eks get-token`).
import { execFile } from "node:child_process";
import { Command, InvalidArgumentError, Option } from "commander";
import { SUPERVISOR_INTS } from "../components/contract/supervisor";
import { processIO, type CliIO } from "./options";
import { renderStatus, statusReport, type PodAnswer } from "./status-report";

/** Exit codes of `status`. */
export const STATUS_EXIT = {
  /** A primary serves. */
  ok: 0,
  /** No primary, no pod found or answering, or the cluster unreachable: said on stderr. */
  noPrimary: 1,
} as const;

export interface StatusOptions {
  readonly namespace: string;
  readonly selector: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly kubectl: string;
  readonly port: number;
  readonly json: boolean;
}

/** Runs kubectl; resolves its stdout, rejects with its own words (first line of stderr). */
function kubectl(o: StatusOptions, args: readonly string[]): Promise<string> {
  const global = [
    ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
    ...(o.context ? ["--context", o.context] : []),
    "--request-timeout=10s",
  ];
  return new Promise((resolve, reject) => {
    execFile(o.kubectl, [...global, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const said = String(stderr).trim().split("\n")[0];
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new Error(
          missing ? `${o.kubectl} not found: install kubectl or pass --kubectl <path>` : said || err.message,
        ),
      );
    });
  });
}

interface ListedPod {
  readonly name: string;
  readonly phase: string;
}

async function listPods(o: StatusOptions): Promise<ListedPod[]> {
  const list = JSON.parse(
    await kubectl(o, ["get", "pods", "-n", o.namespace, "-l", o.selector, "-o", "json"]),
  ) as {
    items?: { metadata?: { name?: string }; status?: { phase?: string } }[];
  };
  return (list.items ?? [])
    .map((p) => ({ name: p.metadata?.name ?? "", phase: p.status?.phase ?? "Unknown" }))
    .filter((p) => p.name !== "")
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

async function answer(o: StatusOptions, pod: ListedPod): Promise<PodAnswer> {
  if (pod.phase !== "Running") return { pod: pod.name, phase: pod.phase, status: null, error: "not running" };
  const path = `/api/v1/namespaces/${o.namespace}/pods/${pod.name}:${o.port}/proxy/status`;
  try {
    return { pod: pod.name, phase: pod.phase, status: JSON.parse(await kubectl(o, ["get", "--raw", path])) };
  } catch (e) {
    return {
      pod: pod.name,
      phase: pod.phase,
      status: null,
      error: e instanceof Error ? e.message : String(e),
    };
  }
}

export async function runStatus(o: StatusOptions, io: CliIO = processIO): Promise<void> {
  let pods: ListedPod[];
  try {
    pods = await listPods(o);
  } catch (e) {
    io.stderr(
      `cannot list pods in namespace ${o.namespace}: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return io.setExitCode(STATUS_EXIT.noPrimary);
  }
  if (pods.length === 0) {
    io.stderr(`no pods in namespace ${o.namespace} match ${o.selector}: is faktory-ha deployed there?\n`);
    return io.setExitCode(STATUS_EXIT.noPrimary);
  }
  const answers = await Promise.all(pods.map((p) => answer(o, p)));
  const report = statusReport(o.namespace, answers, io.now().getTime());
  io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  if (answers.every((a) => a.status === null)) {
    io.stderr(`no pod answered on its health port ${o.port}: ${answers[0].error ?? "unknown error"}\n`);
  }
  if (!report.primary) io.setExitCode(STATUS_EXIT.noPrimary);
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535)
    throw new InvalidArgumentError("It must be a port, 1..65535.");
  return n;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "which pod is primary, since when and at which epoch, each pod's role and Redis health, and the queues " +
        "(every pod's /status through the Kubernetes API; exits 1 when there is no primary)",
    )
    .option("-n, --namespace <namespace>", "the namespace faktory-ha runs in", "faktory")
    .option("--name <name>", "the Faktory component's name (its app.kubernetes.io/instance label)")
    .option("-l, --selector <selector>", "the pods' label selector", "app.kubernetes.io/name=faktory")
    .option("--context <context>", "the kubeconfig context (default: the current one)")
    .option("--kubeconfig <path>", "the kubeconfig file (default: kubectl's own choice)")
    .option("--kubectl <path>", "the kubectl to run", "kubectl")
    .addOption(
      new Option("--port <port>", "the supervisors' health port")
        .argParser(parsePort)
        .default(SUPERVISOR_INTS.healthPort.default),
    )
    .option("--json", "print the report as JSON", false)
    .action(async (opts: Omit<StatusOptions, "selector"> & { selector: string; name?: string }) => {
      const selector = opts.name ? `${opts.selector},app.kubernetes.io/instance=${opts.name}` : opts.selector;
      await runStatus({ ...opts, selector });
    });
}
