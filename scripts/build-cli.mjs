// Bundles the command line (and the infra program it evaluates) into one CommonJS file with
// esbuild, leaving npm packages external. Takes ~0.2 s, so `npm run plan` rebuilds every time and
// never runs stale code, while skipping tsx's per-run TypeScript compilation (~2 s of the plan).
import { build } from "esbuild";

await build({
  entryPoints: ["cli/index.ts"],
  outfile: "dist/cli/faktory-ha.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
