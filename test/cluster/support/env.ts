// The local cluster the cluster tests run against (scripts/cluster/up.sh) and the tools built for it
// (scripts/cluster/build.sh). Every path and address here mirrors scripts/cluster/lib.sh.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";

export const REPO_ROOT = resolve(__dirname, "../../..");
export const TOOLS_DIR = process.env.FAKTORY_HA_TOOLS_DIR ?? join(REPO_ROOT, ".tools");
export const K8S_VERSION = "v1.34.4";
export const PULUMI_VERSION = "v3.274.1";
export const CLUSTER_DIR = join(TOOLS_DIR, "cluster");
export const KUBECONFIG = join(CLUSTER_DIR, "admin.kubeconfig");
export const KUBECTL = join(TOOLS_DIR, `kubernetes-${K8S_VERSION}`, "bin", "kubectl");
/** The Faktory release the upgrade test starts from: scripts/cluster/lib.sh's FAKTORY_PREVIOUS_VERSION. */
export const FAKTORY_PREVIOUS_VERSION = (() => {
  const lib = readFileSync(join(REPO_ROOT, "scripts/cluster/lib.sh"), "utf8");
  const m = /^FAKTORY_PREVIOUS_VERSION="v([\d.]+)"$/m.exec(lib);
  if (!m) throw new Error("scripts/cluster/lib.sh sets no FAKTORY_PREVIOUS_VERSION");
  return m[1];
})();
/** The Faktory release of the test image: the one scripts/install-faktory.sh put in .tools/bin. */
export function currentFaktoryVersion(): string {
  // Faktory prints its version on stderr.
  const r = spawnSync(join(REPO_ROOT, ".tools/bin/faktory"), ["-v"], { encoding: "utf8" });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const m = /^Faktory (\d[\d.]*)/.exec(out);
  if (!m) throw new Error(`.tools/bin/faktory -v said ${JSON.stringify(out.split("\n")[0])}`);
  return m[1];
}
/** The node's bridge address: where pods reach the node's Redis. */
export const NODE_IP = "10.244.0.1";
export const POD_CIDR = "10.244.0.0/24";
export const REDIS_PORT = 16379;
/** Redis URL as the pods see it (database 0: Faktory's jobs and the lease). */
export const POD_REDIS_URL = `redis://${NODE_IP}:${REDIS_PORT}`;
/** Database 1 carries the test clients' reports, apart from Faktory's data. */
export const POD_REPORT_REDIS_URL = `redis://${NODE_IP}:${REDIS_PORT}/1`;

/** Fails with the command to run when something the cluster tests need is not there. */
export function requireCluster(): void {
  const missing: string[] = [];
  if (!existsSync(KUBECTL)) missing.push(`${KUBECTL} (npm run cluster:build)`);
  if (!existsSync(KUBECONFIG)) missing.push(`${KUBECONFIG} (npm run cluster:up)`);
  if (!existsSync(testImageRefFile())) missing.push(`the test image (npm run cluster:image)`);
  if (missing.length) throw new Error(`the local cluster is not ready: missing ${missing.join(", ")}`);
}

function testImageRefFile(kind: TestImageKind = "test"): string {
  return join(
    TOOLS_DIR,
    "images",
    kind === "test" ? "faktory-ha-test.ref" : "faktory-ha-test-previous-faktory.ref",
  );
}

/**
 * `test`: the test image; `test-previous-faktory`: the same with the Faktory release before the current one
 * (the upgrade test's starting point). Both built and imported by `scripts/cluster/image.sh <kind>`.
 */
export type TestImageKind = "test" | "test-previous-faktory";

export function testImage(kind: TestImageKind = "test"): string {
  const ref = testImageRefFile(kind);
  if (!existsSync(ref))
    throw new Error(`the ${kind} image is not built: bash scripts/cluster/image.sh ${kind}`);
  return readFileSync(ref, "utf8").trim();
}

/** kubectl against the local cluster; throws with stderr on failure. */
export function kubectl(args: readonly string[], input?: string): string {
  try {
    return execFileSync(KUBECTL, ["--kubeconfig", KUBECONFIG, ...args], {
      encoding: "utf8",
      input,
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`kubectl ${args.join(" ")}: ${err.stderr || err.stdout || err.message}`);
  }
}

/** kubectl without blocking the event loop (for use while clients run). */
export function kubectlAsync(args: readonly string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      KUBECTL,
      ["--kubeconfig", KUBECONFIG, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, out, errOut) =>
        err ? rej(new Error(`kubectl ${args.join(" ")}: ${errOut || err.message}`)) : res(out),
    );
  });
}

export function kubectlJson<T = Record<string, unknown>>(args: readonly string[]): T {
  return JSON.parse(kubectl([...args, "-o", "json"])) as T;
}

/** A Redis client on the node's Redis (from the host, over loopback). */
export function nodeRedis(db = 0): Redis {
  return new Redis({ host: "127.0.0.1", port: REDIS_PORT, db, maxRetriesPerRequest: 3 });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined/false; throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await sleep(everyMs);
  }
}

/** Host pids of the processes in a pod's container, found through their cgroup (kubepods/.../<containerID>). */
export function containerPids(containerId: string): number[] {
  const id = containerId.replace(/^containerd:\/\//, "");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cgroup`, "utf8").includes(id)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** The command line of a host pid ("" when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}
