/** The supervisor as the image runs it: one esbuild bundle under node. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "./binaries";

const bundles = new Map<string, string>();
/** The temporary directories of this process's bundles, removed when it exits (vitest runs a file per worker). */
const made: string[] = [];
process.once("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** esbuild as `npm run build:supervisor` runs it: one file for node 20. */
function bundle(entry: string, outfile: string, nodePaths: string[] = []): void {
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile,
    nodePaths,
    logLevel: "error",
  });
}
/** Bundles a repository entry file for node once per process, named for process lists; returns its path. */
export function bundleOnce(entry: string, fileName: string): string {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const out = join(tempDir("fha-bundle-"), fileName);
  bundle(join(REPO_ROOT, entry), out);
  bundles.set(entry, out);
  return out;
}

/** The supervisor, bundled like `npm run build:supervisor` does for the image. */
export function supervisorBundle(): string {
  return bundleOnce("supervisor/src/main.ts", "faktory-ha-supervisor.js");
}

/**
 * The supervisor of an earlier commit of this repository (a previous release), bundled the same way: its
 * `supervisor/` and `components/contract/` as that commit had them, built against today's node_modules.
 * For tests of supervisors of two releases sharing one lease. A clone without that commit (a shallow one)
 * fetches it first.
 */
export function releaseBundle(commit: string): string {
  const key = `release:${commit}`;
  const cached = bundles.get(key);
  if (cached) return cached;
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", REPO_ROOT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    git("cat-file", "-e", `${commit}^{commit}`);
  } catch {
    git("fetch", "--quiet", "origin", commit);
  }
  const src = tempDir(`fha-release-${commit.slice(0, 8)}-`);
  execFileSync("tar", ["-x", "-C", src], {
    input: git("archive", commit, "supervisor", "components/contract"),
  });
  const out = join(src, "faktory-ha-supervisor.js");
  bundle(join(src, "supervisor/src/main.ts"), out, [join(REPO_ROOT, "node_modules")]);
  bundles.set(key, out);
  return out;
}
