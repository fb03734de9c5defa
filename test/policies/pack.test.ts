// The pack as `pulumi preview --policy-pack policies` loads it: its files, its dependencies, its
// per-environment config. index.ts is read as text, never imported (it starts a gRPC server).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environments, packConfig } from "../../policies/environment";
import { policies } from "../../policies/policies";

const root = join(__dirname, "..", "..");
const pack = join(root, "policies");
const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

describe("policy pack", () => {
  it("declares a Node.js pack", () => {
    expect(parse(readFileSync(join(pack, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
  });

  it("depends on the root's exact @pulumi/policy and @pulumi/pulumi versions and has a version", () => {
    const rootPackage = json(join(root, "package.json")) as { devDependencies: Record<string, string> };
    const packPackage = json(join(pack, "package.json")) as {
      version: string;
      dependencies: Record<string, string>;
    };
    expect(packPackage.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(packPackage.dependencies).toEqual({
      "@pulumi/policy": rootPackage.devDependencies["@pulumi/policy"],
      "@pulumi/pulumi": rootPackage.devDependencies["@pulumi/pulumi"],
    });
  });

  it("constructs the PolicyPack in index.ts only, from the shared policy list", () => {
    const constructing = readdirSync(pack).filter(
      (f) => f.endsWith(".ts") && readFileSync(join(pack, f), "utf8").includes("new PolicyPack("),
    );
    expect(constructing).toEqual(["index.ts"]);
    expect(readFileSync(join(pack, "index.ts"), "utf8")).toMatch(/from "\.\/policies";[\s\S]*policies,/);
  });

  it("needs @pulumi/policy at run time only in index.ts (the CLI bundles the evaluator without it)", () => {
    const runtimeImports = readdirSync(pack).filter((f) =>
      /^import (?!type )[^;]*from "@pulumi\/policy";/m.test(
        f.endsWith(".ts") ? readFileSync(join(pack, f), "utf8") : "",
      ),
    );
    expect(runtimeImports).toEqual(["index.ts"]);
  });

  it.each(environments)("ships config/%s.json equal to the evaluator's levels", (environment) => {
    expect(json(join(pack, "config", `${environment}.json`))).toEqual(packConfig(environment));
  });

  it("configures only policies that exist", () => {
    const names = new Set(policies.map((p) => p.name));
    for (const environment of environments) {
      for (const name of Object.keys(packConfig(environment))) expect(names, name).toContain(name);
    }
  });

  it("documents every policy and its enforcement in policies/README.md", () => {
    const readme = readFileSync(join(pack, "README.md"), "utf8");
    for (const policy of policies) {
      expect(readme, policy.name).toMatch(
        new RegExp("`" + policy.name + "`[^\\n]*\\| " + policy.enforcementLevel),
      );
    }
  });
});
