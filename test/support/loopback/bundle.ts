/** The supervisor as the image runs it: one esbuild bundle under node. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "./binaries";

const bundles = new Map<string, string>();
/** Bundles a repository entry file for node once per process, named for process lists; returns its path. */
export function bundleOnce(entry: string, fileName: string): string {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const out = join(mkdtempSync(join(tmpdir(), "fha-bundle-")), fileName);
  buildSync({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: out,
    logLevel: "error",
  });
  bundles.set(entry, out);
  return out;
}

/** The supervisor, bundled like `npm run build:supervisor` does for the image. */
export function supervisorBundle(): string {
  return bundleOnce("supervisor/src/main.ts", "faktory-ha-supervisor.js");
}
