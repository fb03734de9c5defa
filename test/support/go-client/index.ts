/**
 * The Go client test program (main.go beside this file: `github.com/contribsys/faktory/client` at the
 * Faktory release scripts/install-faktory.sh builds), built once per source version into
 * `.tools/go-client-<hash>/` (FAKTORY_HA_TOOLS_DIR overrides `.tools`), keyed by a hash of main.go, go.mod,
 * go.sum and the Go release, and run with FAKTORY_URL as a Go producer or worker is.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../loopback";

const run = promisify(execFile);
const SOURCE_DIR = __dirname;
const SOURCES = ["main.go", "go.mod", "go.sum"];

export interface GoClientBuild {
  readonly bin: string;
  /** Wall seconds the build took; null when the cached binary was used. */
  readonly buildSeconds: number | null;
}

async function go(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run("go", args, {
      cwd: SOURCE_DIR,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 2 ** 20,
    });
    return stdout.trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT")
      throw new Error("go not found on PATH: the Go client test program needs the Go toolchain", {
        cause: e,
      });
    throw new Error(`go ${args.join(" ")} failed:\n${err.stderr ?? err.message}`, { cause: e });
  }
}

/** Builds the program unless a binary of these sources and this Go release is cached. */
export async function buildGoClient(): Promise<GoClientBuild> {
  const hash = createHash("sha256").update(await go(["env", "GOVERSION"]));
  for (const f of SOURCES) hash.update(`\0${f}\0`).update(readFileSync(join(SOURCE_DIR, f)));
  const toolsDir = process.env.FAKTORY_HA_TOOLS_DIR ?? join(REPO_ROOT, ".tools");
  const dir = join(toolsDir, `go-client-${hash.digest("hex").slice(0, 12)}`);
  const bin = join(dir, "faktory-tls-client");
  if (existsSync(bin)) return { bin, buildSeconds: null };
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  // -mod=mod: go.sum is committed, the modules come from the module cache or the proxy (GOPROXY as set).
  const tmp = `${bin}.${process.pid}.tmp`;
  await go(["build", "-o", tmp, "."], { GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=mod`.trim() });
  renameSync(tmp, bin);
  return { bin, buildSeconds: (performance.now() - t0) / 1000 };
}

export interface GoClientResult {
  readonly exitCode: number;
  readonly pushed: number;
  readonly fetched: number;
  readonly acked: number;
  readonly jids: string[];
  readonly error?: string;
}

/**
 * Runs the program against `url` (tcp+tls://:password@host:port), trusting only the CA in `caFile`
 * (SSL_CERT_FILE, with SSL_CERT_DIR pointed at an empty directory so no system root counts).
 */
export async function runGoClient(
  bin: string,
  o: { url: string; caFile: string; emptyDir: string; jobs: number; queue: string },
): Promise<GoClientResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    FAKTORY_URL: o.url,
    SSL_CERT_FILE: o.caFile,
    SSL_CERT_DIR: o.emptyDir,
  };
  const args = ["-jobs", String(o.jobs), "-queue", o.queue];
  try {
    const { stdout } = await run(bin, args, { env, timeout: 30_000 });
    return { exitCode: 0, ...(JSON.parse(stdout) as Omit<GoClientResult, "exitCode">) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== "number" || !err.stdout) throw e;
    return { exitCode: err.code, ...(JSON.parse(err.stdout) as Omit<GoClientResult, "exitCode">) };
  }
}
