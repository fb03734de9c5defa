// The worker image's program (bundled by scripts/cluster/image.sh into the test image as `faktory-worker`): a
// real faktory-worker Worker configured only from the environment the Workers component writes
// (components/contract/worker.ts: FAKTORY_URL, FAKTORY_QUEUES, FAKTORY_CONCURRENCY, FAKTORY_SHUTDOWN_TIMEOUT),
// whose one job type, `sleep`, sleeps for its first argument in milliseconds. It records every execution in the
// node's Redis (REPORT_REDIS_URL, db 1; run id REPORT_RUN) so a cluster test counts them instead of guessing:
//
//   fha-worker:<run>:started      hash jid → times a worker started it
//   fha-worker:<run>:finished     hash jid → times it ran to its end (the worker then ACKs it)
//   fha-worker:<run>:aborted      hash jid → times the shutdown timeout cut it (SIGTERM, then
//                                 FAKTORY_SHUTDOWN_TIMEOUT seconds)
//   fha-worker:<run>:failed-back  hash jid → times the worker FAILed it back to Faktory after that cut (so
//                                 Faktory retries it)
//   fha-worker:<run>:job-errors   list "<ms> <pod> <jid> <error>": a job that failed any other way
//   fha-worker:<run>:sigterm      hash pod → ms the pod got SIGTERM
//   fha-worker:<run>:exits        hash pod → "<ms> <code> <jobs still running at SIGTERM>"
//
// Shutdown is faktory-worker's own (Worker.stop): stop fetching, wait up to the timeout for running jobs, then
// FAIL what still runs and exit 1. Only the signal handler is this program's, so that it can record the SIGTERM
// and exit once stop() returns (the report connection would otherwise keep the process alive).
import { Worker } from "faktory-worker";
import type { MiddlewareContext } from "faktory-worker/lib/worker";
import { Redis } from "ioredis";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { isQueueList, parseQueues, WORKER_ENV } from "../../components/contract/worker";

/** faktory-worker's message for the jobs its shutdown aborts (lib/worker.js SHUTDOWN_TIMEOUT_EXCEEDED_MSG). */
const SHUTDOWN_TIMEOUT_EXCEEDED = "faktory worker shutdown timeout exceeded";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`faktory-worker: ${name} is not set\n`);
    process.exit(2);
  }
  return v;
};

const pod = hostname();
const prefix = `fha-worker:${env("REPORT_RUN")}:`;
const report = new Redis(env("REPORT_REDIS_URL"), { maxRetriesPerRequest: 20 });
const queues = parseQueues(env(WORKER_ENV.queues));
const concurrency = Number(env(WORKER_ENV.concurrency));
const shutdownTimeout = Number(env(WORKER_ENV.shutdownTimeout));

const worker = new Worker({
  url: env(WORKER_ENV.url),
  queues: isQueueList(queues) ? [...queues] : { ...queues },
  concurrency,
  timeout: shutdownTimeout,
  labels: [pod],
});

worker.register("sleep", (ms: unknown) => async (ctx: MiddlewareContext) => {
  const { jid } = ctx.job;
  await report.hincrby(`${prefix}started`, jid, 1);
  try {
    await sleep(Number(ms), undefined, { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) await report.hincrby(`${prefix}aborted`, jid, 1);
    throw e;
  }
  await report.hincrby(`${prefix}finished`, jid, 1);
});

worker.on("fail", ({ job, error }: { job: { jid: string }; error: Error }) => {
  if (error?.message === SHUTDOWN_TIMEOUT_EXCEEDED) {
    void report.hincrby(`${prefix}failed-back`, job.jid, 1);
  } else {
    void report.rpush(`${prefix}job-errors`, `${Date.now()} ${pod} ${job.jid} ${String(error)}`);
  }
});
worker.on("error", (e: unknown) => process.stderr.write(`faktory-worker: ${String(e)}\n`));

async function main(): Promise<void> {
  await worker.work();
  // faktory-worker traps SIGTERM/SIGINT to call stop(); this program removes that (the method is private in
  // the typings) and calls the same stop() from its own handler, to record the signal and exit when it returns.
  (worker as unknown as { untrapSignals?: () => void }).untrapSignals?.();
  const onSignal = () => {
    const running = worker.working.size;
    void (async () => {
      await report.hset(`${prefix}sigterm`, pod, String(Date.now()));
      let code = 0;
      try {
        await worker.stop(); // exits 1 itself after FAILing aborted jobs
      } catch (e) {
        process.stderr.write(`faktory-worker: stop: ${String(e)}\n`);
        code = 1;
      }
      await report.hset(`${prefix}exits`, pod, `${Date.now()} ${code} ${running}`);
      await report.quit();
      process.exit(code);
    })();
  };
  process.once("SIGTERM", onSignal).once("SIGINT", onSignal);
  process.stdout.write(
    `faktory-worker ${pod}: queues ${env(WORKER_ENV.queues)}, concurrency ${concurrency}, shutdown timeout ${shutdownTimeout} s\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`faktory-worker: ${String(e)}\n`);
  process.exit(1);
});
