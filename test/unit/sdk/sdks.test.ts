// The SDKs other languages use, generated from schema.json (scripts/sdk/generate.sh): a fresh generation equals
// the checked-in sdk/ file for file, the Go SDK builds with a consumer program, the Python SDK byte-compiles and
// imports with the `pulumi` package. Each step builds what it needs the first time (cached under .tools/): the
// generator (≈ 40 s with the Pulumi CLI's build cache warm), the consumer (≈ 5 min cold), the Python venv (≈ 30 s).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PULUMI_VERSION, TOOLS_DIR } from "../../cluster/support/env";

const root = join(__dirname, "../../..");
const SDK = join(root, "sdk");
const BUILD_TIMEOUT = 900_000;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const run = (script: string, ...args: string[]) =>
  execFileSync("bash", [join(root, "scripts/sdk", script), ...args], { encoding: "utf8", stdio: "pipe" });

describe("the generated SDKs", () => {
  const fresh = mkdtempSync(join(tmpdir(), "faktory-ha-sdk-"));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it(
    "are what schema.json generates, file for file (else: bash scripts/sdk/generate.sh)",
    () => {
      run("generate.sh", fresh);
      expect(files(fresh)).toEqual(files(SDK));
      const differing = files(SDK).filter(
        (f) => !readFileSync(join(SDK, f)).equals(readFileSync(join(fresh, f))),
      );
      expect(differing).toEqual([]);
    },
    BUILD_TIMEOUT,
  );

  // What `pulumi package add <plugin>` and a program's `plugins.providers` path rely on: the real CLI starts the
  // launcher by its path (Node behind it) and asks the plugin for its schema.
  it("the real CLI loads the provider plugin by path and gets schema.json from it", () => {
    const cli = join(TOOLS_DIR, `pulumi-${PULUMI_VERSION}`, "bin", "pulumi");
    const served = execFileSync(cli, ["package", "get-schema", join(root, "provider/pulumi-resource-faktory-ha")], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_HOME: join(fresh, "pulumi-home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    // The CLI's own reading adds an empty `config` (the package declares none); the rest must be schema.json.
    const { config, ...rest } = JSON.parse(served) as Record<string, unknown>;
    expect(config).toEqual({});
    expect(rest).toEqual(JSON.parse(readFileSync(join(root, "schema.json"), "utf8")));
  });

  it("Go: the SDK and a program creating a Faktory build", () => void run("check-go.sh"), BUILD_TIMEOUT);

  it("Python: the SDK byte-compiles and imports with pulumi", () => {
    expect(run("check-python.sh")).toMatch(/^faktory_ha faktory_ha\.k8s\.faktory imports with pulumi/m);
  }, BUILD_TIMEOUT);
});
