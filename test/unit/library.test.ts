// The library as another stack uses it: built with tsc, resolved by its package name through
// package.json `exports`, sharing the consumer's single copy of @pulumi/pulumi.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
type Registered = { type: string; name: string }[];

/** A consumer's folder: its files, and what `npm install faktory-ha` gives it (the peers once). */
function consumer(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), "faktory-ha-consumer-"));
  cpSync(join(ROOT, "test/fixtures", fixture), dir, { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules/faktory-ha"), "dir");
  symlinkSync(join(ROOT, "node_modules/@pulumi"), join(dir, "node_modules/@pulumi"), "dir");
  return dir;
}

function runJson<T>(dir: string, file: string): T {
  return JSON.parse(
    execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8", timeout: 60_000 }),
  ) as T;
}

describe("faktory-ha as a package", () => {
  let result: { faktoryHa: string; pulumi: string; registered: Registered };
  let k8sOnly: { k8s: string; loadedAwsPackages: number; registered: Registered };
  let tsDir: string;

  beforeAll(() => {
    execFileSync(process.execPath, [TSC, "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
    const dir = consumer("consumer");
    result = runJson(dir, "program.js");
    k8sOnly = runJson(dir, "k8s-only.js");
    tsDir = consumer("consumer-ts");
  }, 180_000);

  it.each(["node", "node16", "bundler"])(
    "type-checks a TypeScript consumer of faktory-ha/k8s and faktory-ha/cron under moduleResolution %s",
    (resolution) => {
      const out = execFileSync(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`], {
        cwd: tsDir,
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(out).toBe("");
    },
    120_000,
  );

  it("a type error in the consumer fails that type check (the check can fail)", () => {
    writeFileSync(
      join(tsDir, "broken.ts"),
      'import { Faktory } from "faktory-ha/k8s";\nnew Faktory("x", {});\n',
    );
    writeFileSync(
      join(tsDir, "tsconfig.broken.json"),
      JSON.stringify({ extends: "./tsconfig.node16.json", files: ["broken.ts"] }),
    );
    let failure = "";
    try {
      execFileSync(process.execPath, [TSC, "-p", "tsconfig.broken.json"], { cwd: tsDir, encoding: "utf8" });
    } catch (e) {
      failure = String((e as { stdout?: string }).stdout);
    }
    expect(failure).toMatch(/broken\.ts\(2,18\): error TS2345: .*'FaktoryArgs'/);
  }, 120_000);

  it("faktory-ha/k8s builds the Faktory component without loading any AWS package", () => {
    expect(realpathSync(k8sOnly.k8s)).toBe(join(ROOT, "dist/components/k8s/index.js"));
    expect(k8sOnly.loadedAwsPackages).toBe(0);
    const types = new Set(k8sOnly.registered.map((r) => r.type));
    expect(types.has("faktory-ha:k8s:Faktory")).toBe(true);
    expect([...types].filter((t) => t.startsWith("aws:") || t.startsWith("eks:"))).toEqual([]);
  });

  it("resolves the package name to the built library through package.json exports", () => {
    expect(realpathSync(result.faktoryHa)).toBe(join(ROOT, "dist/components/index.js"));
  });

  it("uses the consumer's @pulumi/pulumi (a peer dependency), not a second copy", () => {
    expect(realpathSync(result.pulumi)).toBe(join(ROOT, "node_modules/@pulumi/pulumi/index.js"));
  });

  it("builds one component alone: the Redis and its children, nothing else", () => {
    const types = result.registered.map((r) => r.type).sort();
    expect(types).toEqual([
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:elasticache/parameterGroup:ParameterGroup",
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:elasticache/subnetGroup:SubnetGroup",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "faktory-ha:aws:Redis",
      "random:index/randomPassword:RandomPassword",
    ]);
    expect(result.registered.find((r) => r.type === "faktory-ha:aws:Redis")?.name).toBe("payments-cache");
  });
});
