/**
 * Supervisor child processes: the bundle under node, each owning a real OSS Faktory in its own process
 * group ("the pod"), with its JSON log lines collected for the test to wait on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, readdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import {
  SUPERVISOR_INTS,
  SUPERVISOR_STRINGS,
  supervisorEnv,
  supervisorTlsEnv,
} from "../../../components/contract/supervisor";
import { faktoryBin, SHARED_REDIS_BIN } from "./binaries";
import { supervisorBundle } from "./bundle";
import { freePort } from "./free-port";
import { LEASE_DATABASE } from "./redis";
import { sleep } from "./timers";

export interface SupervisorPorts {
  readonly port: number;
  readonly webPort: number;
  readonly healthPort: number;
  readonly internalPort: number;
  readonly internalWebPort: number;
  /** With SupervisorOptions.tls: the TLS job and web ports and the peer TLS port. */
  readonly tls?: { readonly port: number; readonly webPort: number; readonly peerPort: number };
}

export interface LogEvent {
  readonly event: string;
  readonly id: string;
  readonly [k: string]: unknown;
}

export interface SupervisorHandle {
  readonly id: string;
  readonly ports: SupervisorPorts;
  readonly proc: ChildProcess;
  readonly events: LogEvent[];
  /** Raw Faktory/other output lines (stderr and non-JSON stdout). */
  readonly output: string[];
  status(): Promise<Record<string, unknown>>;
  waitFor(pred: (e: LogEvent) => boolean, timeoutMs: number, from?: number): Promise<LogEvent>;
  /** Signals the whole process group: supervisor and its Faktory, like a container or a node. */
  signalGroup(sig: NodeJS.Signals): void;
  /** The inspector port SIGUSR1 opens (SupervisorOptions.inspectable), else null. */
  readonly inspectPort: number | null;
  /** FAKTORY_HA_POD_UID: the "pod" this supervisor runs in (null for another release's bundle). */
  readonly podUid: string | null;
  exited: Promise<number | null>;
}

export interface SupervisorOptions {
  readonly redisUrl: string;
  readonly baseDir: string;
  readonly keyPrefix?: string;
  readonly ttlMs?: number;
  readonly renewIntervalMs?: number;
  readonly renewDeadlineMs?: number;
  readonly pollMs?: number;
  readonly holdMs?: number;
  readonly stopTimeoutMs?: number;
  readonly password?: string;
  readonly quiet?: boolean;
  readonly extraEnv?: Record<string, string>;
  /**
   * Run the supervisor (and so its Faktory and the redis-server stand-in it spawns) as this Unix user
   * instead of ours: its data directory is chowned to it, and the bundle and base directory are made
   * readable. Needs root. For tests that tell one pod's traffic from another's (iptables owner match).
   */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /**
   * This pod's own loopback address (e.g. 127.0.0.21), as a pod IP is in production: the supervisor
   * advertises it (so it is the host in its lease value), Faktory listens on every address as in the
   * image (`-b :port`), and the redis-server stand-in opens its Redis connections from it. For tests that
   * cut or recognise one pod's Redis traffic by address. Routers and health stay on 127.0.0.1.
   */
  readonly podHost?: string;
  /**
   * Give each supervisor a free inspector port (`--inspect-port`), opened only when the test sends it
   * SIGUSR1: for tests that pause one of its threads through the DevTools protocol.
   */
  readonly inspectable?: boolean;
  /** The supervisor bundle to run (another release's, see releaseBundle). @default supervisorBundle() */
  readonly bundle?: string;
  /** TLS on, with the certificate files in dir (a Secret volume, see test/support/tls). @default off */
  readonly tls?: { readonly mode: "optional" | "required"; readonly dir: string };
}

/** chown -R, so a supervisor run as another user owns its data directory. */
function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

/**
 * Starts supervisor `id` in a process group of its own, "the pod". `podUid` (FAKTORY_HA_POD_UID) is new for
 * every start unless given: pass the previous one for a container restarted inside the same pod. Another
 * release's bundle (`o.bundle`) gets none: releases before it refuse the variable.
 */
export async function startSupervisor(
  id: string,
  o: SupervisorOptions,
  fixedPorts?: SupervisorPorts,
  podUid: string | null = o.bundle === undefined ? randomUUID() : null,
): Promise<SupervisorHandle> {
  const ports: SupervisorPorts = fixedPorts ?? {
    port: await freePort(),
    webPort: await freePort(),
    healthPort: await freePort(),
    internalPort: await freePort(),
    internalWebPort: await freePort(),
    ...(o.tls && { tls: { port: await freePort(), webPort: await freePort(), peerPort: await freePort() } }),
  };
  const dataDir = join(o.baseDir, id);
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    // The supervisor refuses FAKTORY_HA_* variables it does not know, and the scripts around the tests set
    // some of their own (FAKTORY_HA_CLUSTER_DOWN in CI, FAKTORY_HA_TOOLS_DIR): a pod's environment is the
    // contract's, not the test runner's.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FAKTORY_HA_"))),
    PATH: `${SHARED_REDIS_BIN}${delimiter}${process.env.PATH ?? ""}`,
    REDIS_URL: o.redisUrl,
    [SUPERVISOR_STRINGS.id.env]: id,
    [SUPERVISOR_STRINGS.advertiseHost.env]: o.podHost ?? "127.0.0.1",
    [SUPERVISOR_STRINGS.bindHost.env]: "127.0.0.1",
    // Short test timings that keep the contract's rules, 2 × deadline + stop ≤ ttl included.
    ...supervisorEnv({
      port: ports.port,
      webPort: ports.webPort,
      healthPort: ports.healthPort,
      internalPort: ports.internalPort,
      internalWebPort: ports.internalWebPort,
      ttlMs: o.ttlMs ?? 3000,
      renewIntervalMs: o.renewIntervalMs ?? 450,
      renewDeadlineMs: o.renewDeadlineMs ?? 1200,
      pollMs: o.pollMs ?? 200,
      routerHoldMs: o.holdMs ?? 15000,
      stopTimeoutMs: o.stopTimeoutMs ?? 600,
      metricsIntervalMs: SUPERVISOR_INTS.metricsIntervalMs.default,
      database: LEASE_DATABASE,
      keyPrefix: o.keyPrefix ?? SUPERVISOR_STRINGS.keyPrefix.default,
      // Faktory reads <-c dir>/conf.d/*.toml; that is the directory the supervisor watches.
      configDir: join(dataDir, "conf", "conf.d"),
    }),
    ...(o.tls && ports.tls ? supervisorTlsEnv({ mode: o.tls.mode, dir: o.tls.dir, ...ports.tls }) : {}),
    ...(o.password ? { FAKTORY_PASSWORD: o.password } : {}),
    ...(o.podHost ? { SHARED_REDIS_LOCAL_ADDRESS: o.podHost } : {}),
    ...(podUid !== null ? { [SUPERVISOR_STRINGS.podUid.env]: podUid } : {}),
    ...o.extraEnv,
  };
  delete env.FAKTORY_URL;
  const listenHost = o.podHost ? "" : "127.0.0.1";
  const command = [
    faktoryBin(),
    "-b",
    `${listenHost}:${ports.internalPort}`,
    "-w",
    `${listenHost}:${ports.internalWebPort}`,
    "-d",
    join(dataDir, "data"),
    "-c",
    join(dataDir, "conf"),
    "-e",
    "development",
  ];
  mkdirSync(join(dataDir, "conf", "conf.d"), { recursive: true });
  const bundle = o.bundle ?? supervisorBundle();
  if (o.runAs) {
    // mkdtemp makes 0700 directories: let the other user reach its data dir and read the bundle.
    chmodSync(o.baseDir, 0o755);
    chmodSync(dirname(bundle), 0o755);
    chmodSync(bundle, 0o644);
    chownTree(dataDir, o.runAs.uid, o.runAs.gid);
  }
  const inspectPort = o.inspectable ? await freePort() : null;
  const nodeArgs = inspectPort === null ? [] : [`--inspect-port=127.0.0.1:${inspectPort}`];
  // Own process group, so a test can stop or kill "the pod" (supervisor + Faktory) in one go.
  const proc = spawn(process.execPath, [...nodeArgs, bundle, "--", ...command], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    ...(o.runAs ? { uid: o.runAs.uid, gid: o.runAs.gid } : {}),
  });
  const events: LogEvent[] = [];
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const onLine = (line: string) => {
    if (!line) return;
    if (line.startsWith("{")) {
      try {
        const e = JSON.parse(line) as LogEvent;
        events.push(e);
        for (const l of listeners) l();
        if (!o.quiet) process.stdout.write(`[${id}] ${e.event} ${JSON.stringify(e)}\n`);
        return;
      } catch {
        // not ours
      }
    }
    output.push(line);
    for (const l of listeners) l();
  };
  let buf = "";
  const feed = (d: Buffer) => {
    buf += d.toString("utf8");
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  };
  proc.stdout!.on("data", feed);
  proc.stderr!.on("data", feed);
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const handle: SupervisorHandle = {
    id,
    ports,
    proc,
    events,
    output,
    exited,
    inspectPort,
    podUid,
    status: async () => {
      const res = await fetch(`http://127.0.0.1:${ports.healthPort}/status`);
      return (await res.json()) as Record<string, unknown>;
    },
    waitFor: (pred, timeoutMs, from = 0) =>
      new Promise((resolveEvent, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred);
          if (hit) {
            listeners.delete(check);
            clearTimeout(timer);
            resolveEvent(hit);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          // Say what the process did: a flaky run must be diagnosable from CI's log alone.
          const exit = proc.exitCode ?? proc.signalCode ?? "running";
          reject(
            new Error(
              `${id}: no matching event within ${timeoutMs} ms; last: ${events.slice(-5).map((e) => e.event)}; ` +
                `process: ${exit}; output: ${output.slice(-4).join(" | ")}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    signalGroup: (sig) => {
      try {
        process.kill(-proc.pid!, sig);
      } catch {
        // gone
      }
    },
  };
  const started = handle.waitFor(
    (e) => e.event === "supervisor.started" || e.event === "supervisor.start_failed",
    15_000,
  );
  const exitedEarly = exited.then((code) => {
    throw new Error(
      `${id}: exited (${code ?? proc.signalCode}) before starting: ${output.slice(-4).join(" | ")}`,
    );
  });
  // Whichever loses the race settles later, unobserved.
  started.catch(() => undefined);
  exitedEarly.catch(() => undefined);
  await Promise.race([started, exitedEarly]);
  return handle;
}

/** SIGKILLs every pod's process group (thawing it first) and waits up to 3 s for each to exit. */
export async function killPods(pods: readonly SupervisorHandle[]): Promise<void> {
  for (const s of pods) {
    s.signalGroup("SIGCONT");
    s.signalGroup("SIGKILL");
  }
  await Promise.all(pods.map((s) => Promise.race([s.exited, sleep(3000)])));
}
