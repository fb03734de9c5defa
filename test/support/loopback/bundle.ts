/** The supervisor as the image runs it: one esbuild bundle under node. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "./binaries";

/**
 * Where the bundles go: one directory per checkout, reused by every run, so test runs leave nothing behind but
 * it (vitest ends its worker processes without an exit event, so a per-process temporary directory would stay).
 */
const BUNDLE_DIR = join(
  tmpdir(),
  `faktory-ha-bundles-${createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12)}`,
);

/**
 * esbuild as `npm run build:supervisor` runs it (one file for node 20), written beside `outfile` and renamed
 * onto it: a process that bundles at the same time, or a supervisor already running the old file, sees either
 * whole file.
 */
function bundle(entry: string, outfile: string, nodePaths: string[] = []): string {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: partial,
    nodePaths,
    logLevel: "error",
  });
  renameSync(partial, outfile);
  return outfile;
}

const bundles = new Map<string, string>();
/** Bundles a repository entry file for node once per process, named for process lists; returns its path. */
export function bundleOnce(entry: string, fileName: string): string {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const out = bundle(join(REPO_ROOT, entry), join(BUNDLE_DIR, fileName));
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
  const src = mkdtempSync(join(tmpdir(), `fha-release-${commit.slice(0, 8)}-`));
  try {
    execFileSync("tar", ["-x", "-C", src], {
      input: git("archive", commit, "supervisor", "components/contract"),
    });
    const out = bundle(
      join(src, "supervisor/src/main.ts"),
      join(BUNDLE_DIR, `faktory-ha-supervisor-${commit.slice(0, 12)}.js`),
      [join(REPO_ROOT, "node_modules")],
    );
    bundles.set(key, out);
    return out;
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}
