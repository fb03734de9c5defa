import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { describe, expect, it } from "vitest";

// No Docker engine here, so the image is checked where it can break without one: the source stage must
// copy every file the supervisor bundle is made of, and the package must ship what the prebuilt stage
// copies.
const root = join(__dirname, "..", "..");
const dockerfile = readFileSync(join(root, "supervisor/Dockerfile"), "utf8");

/** COPY sources of one stage (from its FROM line to the next). */
function copiesOf(stage: string): string[] {
  const lines = dockerfile.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^FROM .* AS ${stage}$`).test(l));
  expect(start, `stage ${stage}`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("FROM ")) break;
    const m = /^COPY (?!--from)(.+) \S+$/.exec(line);
    if (m) out.push(...m[1].split(/\s+/));
  }
  return out;
}

describe("supervisor/Dockerfile", () => {
  it("the source stage copies every file the supervisor bundle is built from", () => {
    const result = buildSync({
      entryPoints: [join(root, "supervisor/src/main.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: root,
    });
    const ours = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/"));
    const copied = copiesOf("source").map((c) => c.replace(/\/$/, ""));
    expect(ours.length).toBeGreaterThan(10);
    for (const file of ours) {
      expect(
        copied.some((c) => file === c || file.startsWith(`${c}/`)),
        `${file} is not copied`,
      ).toBe(true);
    }
  });

  it("the prebuilt stage copies the bundle the npm package ships", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      files: string[];
      scripts: Record<string, string>;
    };
    expect(copiesOf("prebuilt")).toEqual(["dist/supervisor/faktory-ha-supervisor.js"]);
    expect(pkg.files).toEqual(expect.arrayContaining(["dist/supervisor", "supervisor/Dockerfile"]));
    expect(pkg.scripts["build:supervisor"]).toContain("--outfile=dist/supervisor/faktory-ha-supervisor.js");
    expect(pkg.scripts.build).toContain("npm run build:supervisor");
  });
});
