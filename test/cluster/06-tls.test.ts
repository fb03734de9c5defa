// TLS required, in the local cluster: the component deployed with a kubernetes.io/tls Secret (made here as an
// operator or cert-manager would), producer and worker pods speaking `tcp+tls://` to the ClusterIP Service and
// verifying the certificate against the test's CA. Every packet on the node's bridge is captured meanwhile:
// no Faktory command or greeting crosses it in plain text — neither client → router nor router → the primary
// on another pod (the peer TLS port) — while the clients' own plain-text reports to the node's Redis, in the
// same capture, show that payloads are seen, and a plain-text conversation on the node, captured and read the
// same way, shows the markers are found when they are there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPERVISOR_INTS, SUPERVISOR_TLS } from "../../components/contract/supervisor";
import { issue, makeCa } from "../support/tls";
import { Client } from "faktory-worker";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { faktoryBin, freePort } from "../support/loopback";
import { capture, captureBridge, FAKTORY_PLAINTEXT, type Packet } from "./support/capture";
import { serviceUrl, startClients } from "./support/clients";
import { kubectl, NODE_IP, REDIS_PORT, requireCluster, sleep, testImage, waitFor } from "./support/env";
import { pods } from "./support/faktory";
import { figures, readyPods, scenarioArgs, totals } from "./support/scenario";
import { collect, faktoryProgram, testStack, type EngineRun } from "./support/stack";

const NAME = "fha-tls";
const SERVICE = "faktory";
const PASSWORD = "tls-password";
const CERT_SECRET = "fha-tls-cert";
const CA_CONFIG_MAP = "fha-test-ca";
const SERVICE_DNS = `${SERVICE}.${NAME}.svc.cluster.local`;

/**
 * The control: the same capture and the same markers see a plain-text Faktory conversation (the real server and
 * client on the node's loopback), so an empty result above means encrypted, not unseen.
 */
async function plainConversationMarkers(dir: string): Promise<string[]> {
  const port = await freePort();
  const webPort = await freePort();
  const args = ["-b", `127.0.0.1:${port}`, "-w", `127.0.0.1:${webPort}`, "-d", join(dir, "control-data")];
  const faktory = spawn(faktoryBin(), [...args, "-e", "development"], { stdio: "ignore" });
  try {
    await waitFor("the control Faktory to listen", 10_000, () => listening(port));
    const c = await capture("lo", join(dir, "control.pcap"), ["tcp", "port", String(port)]);
    const client = new Client({ url: `tcp://127.0.0.1:${port}` });
    await client.push({ jobtype: "control", queue: "fha-control", args: [] });
    const job = await client.fetch("fha-control");
    await client.ack(job!.jid);
    await client.close();
    const packets = await c.stop();
    return packets.flatMap((p) => p.text.match(FAKTORY_PLAINTEXT)?.[0] ?? []);
  } finally {
    faktory.kill("SIGKILL");
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe("TLS required in the cluster: clients over tcp+tls:// through the Service", () => {
  let run: EngineRun;
  let dir: string;
  const log: string[] = [];

  beforeAll(async () => {
    requireCluster();
    dir = mkdtempSync(join(tmpdir(), "fha-cluster-tls-"));
    const ca = makeCa(dir, "fha-cluster-ca");
    // The names clients use for the Service; the routers verify each other's peer port against the first of
    // them (every pod serves the same Secret).
    issue(ca, dir, "faktory", {
      dns: [SERVICE_DNS, `${SERVICE}.${NAME}.svc`, `${SERVICE}.${NAME}`, SERVICE],
    });
    kubectl(["create", "namespace", NAME]);
    kubectl([
      "create",
      "secret",
      "generic",
      CERT_SECRET,
      "-n",
      NAME,
      "--type",
      "kubernetes.io/tls",
      `--from-file=tls.crt=${join(dir, "faktory.crt")}`,
      `--from-file=tls.key=${join(dir, "faktory.key")}`,
      `--from-file=ca.crt=${ca.certPath}`,
    ]);
    kubectl(["create", "configmap", CA_CONFIG_MAP, "-n", NAME, `--from-file=ca.crt=${ca.certPath}`]);
    run = await testStack(
      "tls",
      faktoryProgram(
        NAME,
        scenarioArgs(testImage(), NAME, PASSWORD, {
          namespace: NAME,
          createNamespace: false,
          tls: { mode: "required", secretName: CERT_SECRET },
        }),
      ),
    );
    const up = await run.stack.up({ onOutput: collect(log) });
    expect(up.summary.result, log.join("\n")).toBe("succeeded");
    await readyPods(NAME, 3);
  });

  afterAll(async () => {
    await run?.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await run?.stack.workspace.removeStack("tls").catch(() => undefined);
    try {
      kubectl(["delete", "namespace", NAME, "--ignore-not-found"]);
    } catch {
      // already gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("PUSH, FETCH and ACK through every router over TLS; no plain-text Faktory protocol on the bridge", async () => {
    const capture = await captureBridge(join(dir, "bridge.pcap"));
    let packets: Packet[] = [];
    const clients = await startClients({
      namespace: NAME,
      image: testImage(),
      faktoryUrl: serviceUrl(NAME, SERVICE, PASSWORD, SUPERVISOR_TLS.port.default),
      tls: { caConfigMap: CA_CONFIG_MAP, servername: SERVICE_DNS },
      run: "tls",
      producers: 2,
      workers: 2,
    }).catch(async (e: unknown) => {
      await capture.stop();
      throw e;
    });
    try {
      await sleep(15_000);
    } finally {
      const report = await clients.stop();
      packets = await capture.stop();
      const t = totals(report);
      const podIps = new Set(pods(NAME, NAME).map((p) => p.ip));
      const betweenPods = packets.filter((p) => podIps.has(p.src) && podIps.has(p.dst));
      const peerHop = betweenPods.filter(
        (p) => p.dport === SUPERVISOR_TLS.peerPort.default && p.text.length > 0,
      );
      const toRouters = packets.filter((p) => podIps.has(p.dst) && p.dport === SUPERVISOR_TLS.port.default);
      const plainFaktory = packets.filter(
        (p) => (podIps.has(p.src) || podIps.has(p.dst)) && FAKTORY_PLAINTEXT.test(p.text),
      );
      const plainPorts = packets.filter(
        (p) =>
          podIps.has(p.dst) &&
          ([SUPERVISOR_INTS.port.default, SUPERVISOR_INTS.internalPort.default] as number[]).includes(
            p.dport,
          ),
      );
      // The control: the client pods' reports to the node's Redis are plain text in the same capture.
      const reports = packets.filter(
        (p) => p.dst === NODE_IP && p.dport === REDIS_PORT && p.text.includes(`fha-test:${clients.run}:`),
      );
      figures("tls-cluster", {
        ...t,
        packets: packets.length,
        betweenPods: betweenPods.length,
        peerHop: peerHop.length,
        toRouters: toRouters.length,
        plainFaktory: plainFaktory.length,
        plainPorts: plainPorts.length,
        reportPackets: reports.length,
        sample: plainFaktory
          .slice(0, 3)
          .map((p) => `${p.src}:${p.sport} > ${p.dst}:${p.dport} ${p.text.slice(-120)}`),
      });
      expect(t.pushed).toBeGreaterThan(100);
      expect(t.lost).toBe(0);
      expect(t.refused).toBe(0);
      expect(reports.length).toBeGreaterThan(0);
      expect(toRouters.length).toBeGreaterThan(0);
      // Two of three pods are standbys: their routers forward to the primary's peer port on another pod.
      expect(peerHop.length).toBeGreaterThan(0);
      expect(plainFaktory).toEqual([]);
      expect(plainPorts).toEqual([]);
      expect(await plainConversationMarkers(dir)).toEqual(
        expect.arrayContaining(['HELLO {"', '+HI {"', 'PUSH {"', "FETCH f", 'ACK {"jid']),
      );
    }
  });
});
