// Runs inside a pod of the test image (bundled by scripts/cluster/image.sh to /opt/faktory-ha/pod-client.js):
// a real faktory-worker producer or worker talking to Faktory through the ClusterIP Service, reporting what it
// did to the node's Redis (REPORT_REDIS_URL, a database the Faktory pods do not use), where the test reads it.
//
//   node pod-client.js produce <run> <maxMs> [pauseMs]   PUSH jobs one after another until the stop key or maxMs
//   node pod-client.js work <run> <maxMs>                FETCH + ACK until the stop key or maxMs
//
// Keys (prefix fha-test:<run>:): stop-producers and stop (the test sets them), pushed (hash jid → ms), push-errors (list),
// runs (hash jid → times fetched), summary:<pod> (hash), ready (set of pods that connected once).
import { Client } from "faktory-worker";
import { Redis } from "ioredis";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

const [mode, run, maxMsArg, pauseArg] = process.argv.slice(2);
const url = process.env.FAKTORY_URL;
const reportUrl = process.env.REPORT_REDIS_URL;
if ((mode !== "produce" && mode !== "work") || !run || !url || !reportUrl) {
  process.stderr.write(
    "usage: pod-client produce|work <run> <maxMs> [pauseMs] (FAKTORY_URL, REPORT_REDIS_URL)\n",
  );
  process.exit(2);
}
const maxMs = Number(maxMsArg ?? 120_000);
const pauseMs = Number(pauseArg ?? 10);
const queue = `fha-${run}`;
const prefix = `fha-test:${run}:`;
const pod = hostname();
const report = new Redis(reportUrl, { maxRetriesPerRequest: 5 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Longest a command may go unanswered before this client gives up on its connection: Faktory's FETCH blocks
 * up to 2 s and a router holds a command up to its hold time (15 s by default). Each such case is recorded
 * (key `hung`), so a run always ends with a summary and the test can report it.
 */
const COMMAND_TIMEOUT_MS = 20_000;

/**
 * With a `tcp+tls://` URL: the CA that signed the server's certificate (FAKTORY_TLS_CA_FILE, a mounted file) and
 * the name to verify it against (FAKTORY_TLS_SERVERNAME: the Service's DNS name, as a client resolving it would
 * use; the local node has no cluster DNS, so the URL names the ClusterIP).
 */
const caFile = process.env.FAKTORY_TLS_CA_FILE;
const tlsOptions = caFile
  ? { ca: readFileSync(caFile, "utf8"), servername: process.env.FAKTORY_TLS_SERVERNAME }
  : undefined;

function faktoryClient(): Client {
  const c = new Client({ url, poolSize: 2, labels: [pod], ...(tlsOptions && { tlsOptions }) });
  c.connectionFactory.onConnectionError = () => undefined;
  c.pool.removeAllListeners("factoryCreateError");
  c.pool.on("factoryCreateError", () => undefined);
  return c;
}

async function main(): Promise<void> {
  const deadline = Date.now() + maxMs;
  let stopped = false;
  const stopPoll = setInterval(() => {
    // Producers stop first (stop-producers), so that workers can drain what was pushed before they stop.
    const keys = mode === "produce" ? [`${prefix}stop-producers`, `${prefix}stop`] : [`${prefix}stop`];
    void report.exists(...keys).then((n) => {
      if (n) stopped = true;
    });
  }, 100);
  let client = faktoryClient();
  /** Runs one command on the current client, bounded; a command without an answer retires that client. */
  const bounded = async <T>(what: string, op: (c: Client) => Promise<T>): Promise<T> => {
    const c = client;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HungError(what)), COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([op(c), timeout]);
    } catch (e) {
      if (e instanceof HungError) {
        await report.rpush(`${prefix}hung`, `${Date.now()} ${pod} ${what}`);
        if (client === c) client = faktoryClient();
        void c.close().catch(() => undefined);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  const summary: Record<string, number> = { started: Date.now() };
  await report.sadd(`${prefix}ready`, pod);
  if (mode === "produce") {
    let n = 0;
    let ok = 0;
    let refused = 0;
    let failed = 0;
    let lastOk = Date.now();
    let maxGap = 0;
    let maxGapEnd = 0;
    let maxLatency = 0;
    while (!stopped && Date.now() < deadline) {
      const t0 = Date.now();
      try {
        const args = [pod, n++];
        const jid = await bounded("PUSH", (c) => c.push({ jobtype: "cluster", queue, args }));
        const t1 = Date.now();
        ok++;
        maxLatency = Math.max(maxLatency, t1 - t0);
        if (t1 - lastOk > maxGap) {
          maxGap = t1 - lastOk;
          maxGapEnd = t1;
        }
        lastOk = t1;
        await report.hset(`${prefix}pushed`, jid, String(t1));
      } catch (e) {
        const text = String(e);
        if (/ECONNREFUSED/.test(text)) refused++;
        else failed++;
        await report.rpush(`${prefix}push-errors`, `${Date.now()} ${pod} ${text}`);
        await sleep(20);
      }
      if (pauseMs) await sleep(pauseMs);
    }
    Object.assign(summary, { ok, refused, failed, maxGapMs: maxGap, maxGapEnd, maxLatencyMs: maxLatency });
  } else {
    let fetched = 0;
    let ackFailed = 0;
    let fetchFailed = 0;
    while (!stopped && Date.now() < deadline) {
      let job;
      try {
        job = await bounded("FETCH", (c) => c.fetch(queue));
      } catch {
        fetchFailed++;
        await sleep(20);
        continue;
      }
      if (!job) continue;
      fetched++;
      await report.hincrby(`${prefix}runs`, job.jid, 1);
      // Once told to stop, an ACK still failing is given up: the job counts as run (it was fetched), and a
      // worker must not outlive the test's wait for its summary by retrying a dead connection.
      for (let attempt = 0; attempt < 50 && !(stopped && attempt > 0); attempt++) {
        try {
          const jid = job.jid;
          await bounded("ACK", (c) => c.ack(jid));
          break;
        } catch {
          ackFailed++;
          await sleep(50);
        }
      }
    }
    Object.assign(summary, { fetched, ackFailed, fetchFailed });
  }
  clearInterval(stopPoll);
  summary.ended = Date.now();
  summary.clientErrors = clientErrors;
  await report.hset(`${prefix}summary:${pod}`, summary);
  process.stdout.write(`${JSON.stringify({ pod, mode, ...summary })}\n`);
  await client.close().catch(() => undefined);
  report.disconnect();
}

class HungError extends Error {
  constructor(what: string) {
    super(`${what}: no reply within ${COMMAND_TIMEOUT_MS} ms`);
  }
}

// The client library can throw from an event emitter with no listener left (a connection's "error" after the
// pool dropped it). A real worker would be restarted by Kubernetes; this one records the error (key
// `client-errors`) and carries on with a new client, so the run still ends with a summary.
let clientErrors = 0;
const recordClientError = (e: unknown) => {
  clientErrors++;
  process.stderr.write(`pod-client: uncaught ${String(e)}\n`);
  void report.rpush(`${prefix}client-errors`, `${Date.now()} ${pod} ${String(e)}`).catch(() => undefined);
};
process.on("uncaughtException", recordClientError);
process.on("unhandledRejection", recordClientError);

main().catch((e: unknown) => {
  process.stderr.write(`pod-client: ${String(e)}\n`);
  process.exit(1);
});
