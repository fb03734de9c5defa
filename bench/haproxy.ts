/**
 * HAProxy as the router benchmarks run it: TCP mode, one thread, relaying to one Faktory port; a plain
 * listener and, given a PEM (certificate then key), a listener that terminates TLS with it (OpenSSL).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { greets } from "../supervisor/src/faktory-process";
import { sleep } from "./support";

export interface HaproxyListeners {
  /** Faktory's port the listeners relay to, on 127.0.0.1. */
  readonly upstreamPort: number;
  /** The plain listener's port on 127.0.0.1. */
  readonly port: number;
  /** A TLS listener: its port and the PEM file with the certificate chain and the key. */
  readonly tls?: { readonly port: number; readonly pemPath: string };
}

/** haproxy.cfg for the listeners: one thread, TCP mode, no health checks. */
export function haproxyConfig(o: HaproxyListeners): string {
  const upstream = `  server faktory 127.0.0.1:${o.upstreamPort}`;
  return [
    "global",
    "  nbthread 1",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 5m",
    "  timeout server 5m",
    "listen faktory",
    `  bind 127.0.0.1:${o.port}`,
    upstream,
    ...(o.tls
      ? ["listen faktory-tls", `  bind 127.0.0.1:${o.tls.port} ssl crt ${o.tls.pemPath}`, upstream]
      : []),
    "",
  ].join("\n");
}

/** The haproxy binary on PATH; throws saying how to install it. */
export function haproxyBin(): string {
  const bin = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" }).stdout.trim();
  if (!bin)
    throw new Error(
      "haproxy not found: the router benchmarks compare against it; install the Debian package (apt-get install haproxy)",
    );
  return bin;
}

/** Starts HAProxy in the foreground with its config in dir; resolves once its plain listener relays a greeting. */
export async function startHaproxy(dir: string, o: HaproxyListeners): Promise<ChildProcess> {
  const bin = haproxyBin();
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig(o));
  const output: string[] = [];
  const proc = spawn(bin, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  proc.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  for (let i = 0; !(await greets("127.0.0.1", o.port)); i++) {
    if (proc.exitCode !== null || i > 100) {
      proc.kill("SIGKILL");
      throw new Error(`haproxy did not start:\n${output.join("")}`);
    }
    await sleep(50);
  }
  return proc;
}
