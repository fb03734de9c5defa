/**
 * What the router's TLS costs, as a ratio to HAProxy terminating TLS in front of the same Faktory: PUSH
 * throughput, p50/p99 latency and proxy CPU seconds per 10k commands, through
 *   routerTls   the primary supervisor's router, FAKTORY_HA_TLS_MODE=required (Node's TLS),
 *   haproxyTls  HAProxy (TCP mode, one thread, `bind … ssl crt`: OpenSSL) relaying to Faktory's port,
 * and, as baselines in the same run, straight to Faktory (direct), a plain router (a second supervisor
 * with TLS off: a standby, relaying to the same Faktory as the primary's router does) and plain HAProxy.
 * One certificate (EC P-256, made by the openssl CLI) for both; the clients verify it against its CA.
 * Measurements are interleaved round by round (rotating order) so the paths share the machine's noise.
 * Prints JSON and writes it to bench/results/router-tls.json (BENCH_OUT_DIR). Needs `haproxy`.
 *
 *   npm run bench:router-tls   # BENCH_ROUNDS (≥3), BENCH_SECONDS per measurement, BENCH_CONCURRENCY,
 *                              # BENCH_WARMUP_SECONDS (unrecorded, per path and concurrency)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type ConnectionOptions } from "node:tls";
import { startSupervisor } from "../test/support/loopback";
import { podSecret, type PodSecret } from "../test/support/tls";
import { greets } from "../supervisor/src/faktory-process";
import { benchSettings, ratios, runRouterBench, type Path } from "./router-load";
import { sleep } from "./support";

const SETTINGS = benchSettings(process.env, 3);

/** What a TLS port negotiates with the clients' options: protocol and cipher. */
function negotiated(
  port: number,
  o: ConnectionOptions,
): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port, ...o }, () => {
      resolve({ protocol: sock.getProtocol(), cipher: sock.getCipher().name });
      sock.destroy();
    });
    sock.on("error", reject);
  });
}

async function main(): Promise<void> {
  let secret: PodSecret | null = null;
  const tlsRequired = (dir: string) => {
    secret = podSecret(dir, { dns: ["localhost"], ips: ["127.0.0.1"] });
    return { tls: { mode: "required", dir: secret.secretDir } } as const;
  };
  const out = await runRouterBench("router-tls", SETTINGS, tlsRequired, async (b) => {
    const { ca, leaf } = secret!;
    const sup = b.primary;
    // The plain router: mode required closes the primary's plain port, so a standby with TLS off.
    const plain = await startSupervisor("sup-plain", { ...b.cluster.options, tls: undefined });
    b.cluster.supervisors.push(plain);
    for (let i = 0; !(await greets("127.0.0.1", plain.ports.port)); i++) {
      if (i > 200) throw new Error("the plain standby's router does not reach the primary's Faktory");
      await sleep(50);
    }
    const pemPath = join(b.dir, "haproxy.pem");
    writeFileSync(pemPath, Buffer.concat([leaf.cert, leaf.key]), { mode: 0o600 });
    const hp = await b.haproxy(pemPath);
    const tls: ConnectionOptions = { ca: ca.cert };
    const paths = {
      direct: { port: sup.ports.internalPort, pid: null },
      router: { port: plain.ports.port, pid: plain.proc.pid! },
      haproxy: { port: hp.port, pid: hp.pid },
      routerTls: { port: sup.ports.tls!.port, pid: sup.proc.pid!, tls },
      haproxyTls: { port: hp.tlsPort!, pid: hp.pid, tls },
    } satisfies Record<string, Path>;
    const negotiatedTls = {
      certificate: "EC P-256, signed by the run's CA; clients verify it",
      routerTls: await negotiated(paths.routerTls.port, tls),
      haproxyTls: await negotiated(paths.haproxyTls.port, tls),
    };
    const figures = await b.measure(paths, (s) => ({
      routerTlsVsHaproxyTls: ratios(s.routerTls, s.haproxyTls),
      routerVsHaproxy: ratios(s.router, s.haproxy),
      tlsOverPlain: { router: ratios(s.routerTls, s.router), haproxy: ratios(s.haproxyTls, s.haproxy) },
    }));
    return { tls: negotiatedTls, ...figures };
  });
  out.note =
    "router CPU is the whole supervisor process (router + lease worker): routerTls the primary's, router a " +
    "standby's with TLS off; HAProxy is one process, one thread, for both its listeners; connections are " +
    "opened and handshaken before each measurement, so the figures are the steady state of open connections";
  const json = JSON.stringify(out, null, 2) + "\n";
  const outDir = process.env.BENCH_OUT_DIR ?? join(__dirname, "results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "router-tls.json"), json);
  process.stdout.write(json);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
