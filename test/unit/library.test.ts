// The library as another stack uses it: built with tsc, resolved by its package name through
// package.json `exports`, sharing the consumer's single copy of @pulumi/pulumi.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

describe("faktory-ha as a package", () => {
  let result: { faktoryHa: string; pulumi: string; registered: { type: string; name: string }[] };

  beforeAll(() => {
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
        stdio: "inherit",
      },
    );
    const dir = mkdtempSync(join(tmpdir(), "faktory-ha-consumer-"));
    cpSync(join(ROOT, "test/fixtures/consumer"), dir, { recursive: true });
    // What `npm install faktory-ha` gives a consumer: the package, and the peer @pulumi packages once.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules/faktory-ha"), "dir");
    symlinkSync(join(ROOT, "node_modules/@pulumi"), join(dir, "node_modules/@pulumi"), "dir");
    const stdout = execFileSync(process.execPath, ["program.js"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    result = JSON.parse(stdout);
  }, 180_000);

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
