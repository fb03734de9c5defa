// The library as a user installs it (README "Install"): `npm pack` of a clean copy of the repository
// (which runs `prepare`, the build, as npm does for a git dependency too), the tarball unpacked into a
// consumer's node_modules beside its dependencies, and a consumer program type-checked WITHOUT
// skipLibCheck under three module resolutions. No network: the dependencies are this repository's.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const RESOLUTIONS = ["node", "nodenext", "bundler"] as const;
/** What a clone has and a working copy may have besides: never part of the package's build. */
const NOT_SOURCE = new Set(["node_modules", ".git", ".tools", ".sandbox", "dist", "out", "coverage"]);

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};

describe("faktory-ha installed from its npm pack tarball", () => {
  let tarball: string;
  let packed: string[];
  let consumer: string;
  let checks: Record<(typeof RESOLUTIONS)[number], { code: number; output: string }>;

  const work = mkdtempSync(join(tmpdir(), "faktory-ha-pack-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const clone = join(work, "clone");
    cpSync(ROOT, clone, {
      recursive: true,
      filter: (src) => src === ROOT || !NOT_SOURCE.has(relative(ROOT, src).split("/")[0]),
    });
    symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
    execFileSync("npm", ["pack", "--pack-destination", work, "--offline", "--loglevel=error"], {
      cwd: clone,
      stdio: "pipe",
    });
    tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
    packed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");

    // What `npm install <tarball>` lays out: the package, its dependencies and the peers beside it.
    consumer = join(work, "consumer");
    cpSync(join(ROOT, "test/fixtures/consumer-pack"), consumer, { recursive: true });
    const installed = join(consumer, "node_modules", pkg.name);
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    // @pulumi holds the peers; @types the consumer's own @types/node.
    const topLevel = (name: string) => (name.startsWith("@") ? name.split("/")[0] : name);
    for (const name of new Set([...Object.keys(pkg.dependencies).map(topLevel), "@pulumi", "@types"])) {
      symlinkSync(join(ROOT, "node_modules", name), join(consumer, "node_modules", name), "dir");
    }

    const run = promisify(execFile);
    const results = await Promise.all(
      RESOLUTIONS.map((r) =>
        run(process.execPath, [TSC, "-p", `tsconfig.${r}.json`], { cwd: consumer, encoding: "utf8" }).then(
          ({ stdout }) => ({ code: 0, output: stdout }),
          (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, output: e.stdout ?? String(e) }),
        ),
      ),
    );
    checks = Object.fromEntries(RESOLUTIONS.map((r, i) => [r, results[i]])) as typeof checks;
  }, 600_000);

  it("packs the built library, its command line, the supervisor bundle and the LICENSE", () => {
    expect(basename(tarball)).toBe(`faktory-ha-${pkg.version}.tgz`);
    for (const file of [
      "package/LICENSE",
      "package/README.md",
      "package/package.json",
      "package/dist/components/index.d.ts",
      "package/dist/components/k8s/index.d.ts",
      "package/dist/components/aws/index.d.ts",
      "package/dist/components/cron/index.d.ts",
      "package/dist/cli/faktory-ha.js",
      "package/dist/supervisor/faktory-ha-supervisor.js",
      "package/supervisor/Dockerfile",
    ]) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("exposes no declaration that imports zod: its schemas stay internal, its types are plain", () => {
    // Every declaration a consumer's type check can reach from the package's entry points.
    const installed = join(consumer, "node_modules", pkg.name);
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = readFileSync(file, "utf8");
      for (const [, spec] of text.matchAll(/(?:from |import\()"(\.[^"]*)"/g)) {
        const base = resolve(dirname(file), spec.replace(/\.js$/, ""));
        visit(existsSync(`${base}.d.ts`) ? `${base}.d.ts` : join(base, "index.d.ts"));
      }
    };
    for (const entry of ["", "k8s/", "aws/", "cron/"])
      visit(join(installed, `dist/components/${entry}index.d.ts`));
    expect(reached.size).toBeGreaterThan(20);
    const naming = [...reached]
      .filter((f) => /(?:from |import\()"zod/.test(readFileSync(f, "utf8")))
      .map((f) => relative(installed, f));
    expect(naming).toEqual([]);
  });

  it.each(RESOLUTIONS)(
    "type-checks a consumer of faktory-ha, faktory-ha/k8s and faktory-ha/aws without skipLibCheck under moduleResolution %s",
    (resolution) => {
      expect(checks[resolution]).toEqual({ code: 0, output: "" });
    },
  );
});
