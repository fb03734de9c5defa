// Packets on the node's bridge: every pod-to-pod and pod-to-node packet of the local cluster crosses it (the pods
// live in network namespaces behind the CNI bridge plugin's veths). tcpdump writes them to a file while a scenario
// runs; tcpdump reads them back as text (-A: the payload's printable bytes), one record per packet.
import { spawn, spawnSync } from "node:child_process";
import { POD_CIDR } from "./env";

/** The node's bridge (scripts/cluster/lib.sh BRIDGE). */
const BRIDGE = "fha0";

export interface Packet {
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  /** The packet as tcpdump -A prints it: headers and payload, non-printable bytes as dots. */
  readonly text: string;
}

export interface Capture {
  /** Stops tcpdump (SIGINT: it flushes the file) and returns every TCP packet captured. */
  stop(): Promise<Packet[]>;
}

/** Starts capturing the pod network's TCP packets (full payloads) into `file`. */
export function captureBridge(file: string): Promise<Capture> {
  return capture(BRIDGE, file, ["tcp", "and", "net", POD_CIDR]);
}

/** Starts capturing the packets of `iface` that match the tcpdump `filter` (full payloads) into `file`. */
export async function capture(iface: string, file: string, filter: readonly string[]): Promise<Capture> {
  // --immediate-mode: packets reach the file as they come (else the kernel hands them over in blocks, and the
  // last block before the stop is lost).
  const proc = spawn("tcpdump", ["-i", iface, "--immediate-mode", "-U", "-s", "0", "-w", file, ...filter], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", r));
  // tcpdump says "listening on <iface>" once the capture is open.
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(stderr)) {
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`tcpdump did not start on ${iface}: ${stderr.trim() || "no output"}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stop: async () => {
      proc.kill("SIGINT");
      await exited;
      return readCapture(file);
    },
  };
}

const HEADER = /^\d+\.\d+ IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): /;

/** Every packet of a capture file, parsed from `tcpdump -r -nn -tt -A`. */
export function readCapture(file: string): Packet[] {
  const r = spawnSync("tcpdump", ["-r", file, "-nn", "-tt", "-A"], {
    encoding: "latin1",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`tcpdump -r ${file}: ${r.stderr.trim()}`);
  const packets: Packet[] = [];
  let current: { src: string; sport: number; dst: string; dport: number; lines: string[] } | null = null;
  const flush = () => {
    if (current) packets.push({ ...current, text: current.lines.join("") });
  };
  for (const line of r.stdout.split("\n")) {
    const m = HEADER.exec(line);
    if (m) {
      flush();
      current = { src: m[1], sport: Number(m[2]), dst: m[3], dport: Number(m[4]), lines: [] };
    } else if (current) current.lines.push(line);
  }
  flush();
  return packets;
}

/**
 * Faktory's protocol in plain text, as a client or server writes it: commands with their JSON and the server's
 * greeting. Each marker is at least 7 bytes, so ciphertext (random bytes) does not produce one by chance.
 */
export const FAKTORY_PLAINTEXT = /HELLO \{"|\+HI \{"|PUSH \{"|FETCH [a-z-]|ACK \{"jid|BEAT \{"wid/;
