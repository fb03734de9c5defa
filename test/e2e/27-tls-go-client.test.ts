import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGoClient, runGoClient, type GoClientBuild } from "../support/go-client";
import { startLoopbackCluster, type LoopbackCluster, type SupervisorHandle } from "../support/loopback";
import { makeCa, podSecret, type Ca } from "../support/tls";

// Scenario 27: the Go client (github.com/contribsys/faktory/client, Faktory's own) over TLS. Three
// supervisors with TLS required in front of real Faktory and redis-server; a small Go program
// (test/support/go-client) configured only through FAKTORY_URL=tcp+tls://… and SSL_CERT_FILE, as a Go
// producer or worker is, PUSHes, FETCHes and ACKs through each router in turn, verifying the server
// certificate against the test's CA. With another CA it must fail on the certificate, not later.
const PASSWORD = "go-tls-e2e-pw";
const JOBS = 25;

let dir: string;
let emptyDir: string;
let ca: Ca;
let otherCa: Ca;
let cluster: LoopbackCluster;
let goClient: GoClientBuild;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s27-"));
  emptyDir = join(dir, "no-system-roots");
  mkdirSync(emptyDir);
  const { pki, secretDir, ...tls } = podSecret(dir, { dns: ["localhost"], ips: ["127.0.0.1"] });
  ca = tls.ca;
  otherCa = makeCa(pki, "other-ca");
  // The build (cached under .tools/; cold it compiles Go's standard library) beside the cluster's start.
  const [build, started] = await Promise.all([
    buildGoClient(),
    startLoopbackCluster(3, {
      password: PASSWORD,
      quiet: true,
      prefix: "fha-s27",
      tls: { mode: "required", dir: secretDir },
    }),
  ]);
  goClient = build;
  cluster = started;
  await cluster.primary(30_000);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tlsUrl(s: SupervisorHandle, scheme = "tcp+tls"): string {
  if (!s.ports.tls) throw new Error(`${s.id} has no TLS ports`);
  return `${scheme}://:${PASSWORD}@127.0.0.1:${s.ports.tls.port}`;
}

const goRun = (url: string, caFile: string, queue: string, jobs = JOBS) =>
  runGoClient(goClient.bin, { url, caFile, emptyDir, jobs, queue });

describe("scenario 27: the Go client over TLS", () => {
  it("PUSHes, FETCHes and ACKs through every router, verifying the server against the test's CA", async () => {
    const primary = await cluster.primary();
    const figures = [];
    for (const pod of cluster.supervisors) {
      const queue = `go-tls-${pod.id}`;
      const t0 = performance.now();
      const r = await goRun(tlsUrl(pod), ca.certPath, queue);
      const ms = Math.round(performance.now() - t0);
      expect(r).toMatchObject({ exitCode: 0, pushed: JOBS, fetched: JOBS, acked: JOBS });
      expect(r.error).toBeUndefined();
      expect(new Set(r.jids).size).toBe(JOBS);
      figures.push({ pod: pod.id, primary: pod === primary, ...r, jids: undefined, ms });
    }
    // The reservations were really cleared, not just answered OK, and every queue was drained.
    expect(await cluster.redis.client.zcard("working")).toBe(0);
    for (const pod of cluster.supervisors)
      expect(await cluster.redis.client.llen(`go-tls-${pod.id}`)).toBe(0);
    console.log(
      JSON.stringify({ scenario: 27, goBuildSeconds: goClient.buildSeconds, jobsPerRouter: JOBS, figures }),
    );
  });

  it("fails with the certificate error when the server's CA is not the one trusted", async () => {
    for (const pod of cluster.supervisors) {
      const r = await goRun(tlsUrl(pod), otherCa.certPath, `go-tls-wrong-ca-${pod.id}`);
      expect(r).toMatchObject({ exitCode: 1, pushed: 0, fetched: 0, acked: 0 });
      expect(r.error).toBe(
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
      );
    }
  });

  it("a plain tcp:// client on the TLS port is told, in Faktory's protocol, to use tcp+tls://", async () => {
    const r = await goRun(tlsUrl(cluster.supervisors[0], "tcp"), ca.certPath, "go-tls-plain");
    expect(r).toMatchObject({ exitCode: 1, pushed: 0 });
    expect(r.error).toBe("ERR this port speaks TLS only: connect with tcp+tls://");
  });
});
