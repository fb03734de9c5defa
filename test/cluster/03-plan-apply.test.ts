// What `faktory-ha plan` writes is accepted by a real API server: every object of the dev and prod stacks,
// server-side dry-run and real apply of `kubectl apply -R -f out/<stack>/` (the folder as a user points
// kubectl at it), then deleted again.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, REPO_ROOT, requireCluster, waitFor } from "./support/env";

interface Obj {
  apiVersion: string;
  kind: string;
  type?: string;
  metadata: { name: string; namespace?: string };
}

const outDir = mkdtempSync(join(tmpdir(), "fha-plan-apply-"));

function plan(stack: string): Obj[] {
  execFileSync(process.execPath, ["dist/cli/faktory-ha.js", "plan", stack, "--out", outDir], {
    cwd: REPO_ROOT,
    stdio: "pipe",
  });
  const dir = join(outDir, stack, "kubernetes");
  return readdirSync(dir).map((f) => parseYaml(readFileSync(join(dir, f), "utf8")) as Obj);
}

function appliedNames(out: string): string[] {
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/ (serverside-applied|created|configured|unchanged).*$/, ""))
    .sort();
}

const resourceName = (o: Obj) => {
  const plural: Record<string, string> = {
    Namespace: "namespace",
    ConfigMap: "configmap",
    Secret: "secret",
    Service: "service",
    ServiceAccount: "serviceaccount",
    StatefulSet: "statefulset.apps",
    PodDisruptionBudget: "poddisruptionbudget.policy",
    NetworkPolicy: "networkpolicy.networking.k8s.io",
  };
  return `${plural[o.kind] ?? o.kind.toLowerCase()}/${o.metadata.name}`;
};

describe.each(["dev", "prod"])("the offline plan of %s applies to a real API server", (stack) => {
  let objects: Obj[];
  const folder = () => join(outDir, stack);

  beforeAll(() => {
    requireCluster();
    execFileSync(process.execPath, ["scripts/build-cli.mjs"], { cwd: REPO_ROOT, stdio: "pipe" });
    objects = plan(stack);
  });

  afterAll(async () => {
    try {
      kubectl(["delete", "-R", "-f", folder(), "--ignore-not-found", "--wait=false"]);
    } catch {
      // already gone
    }
    await waitFor("the plan's namespaces to go", 120_000, () => {
      const left = kubectl(["get", "namespaces", "-o", "name"]).split("\n");
      return objects
        .filter((o) => o.kind === "Namespace")
        .every((o) => !left.includes(`namespace/${o.metadata.name}`));
    });
  });

  it("has a registry Secret whose placeholder the API server accepts", () => {
    const registry = objects.filter(
      (o) => o.kind === "Secret" && o.type === "kubernetes.io/dockerconfigjson",
    );
    expect(registry).toHaveLength(1);
    expect(readdirSync(folder())).toEqual(["conf.d", "kubernetes"]);
  });

  it("server-side dry-run accepts every object of the folder, then the real apply creates them", () => {
    // A dry run cannot create the namespace the other objects live in: create it first (also from the plan).
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      const file = readdirSync(join(folder(), "kubernetes")).find(
        (f) => f === `namespace-${ns.metadata.name}.yaml`,
      );
      expect(file).toBeDefined();
      kubectl(["apply", "--server-side", "-f", join(folder(), "kubernetes", file!)]);
    }
    const dry = kubectl(["apply", "--server-side", "--dry-run=server", "-R", "-f", folder()]);
    const expected = objects.map(resourceName).sort();
    expect(appliedNames(dry)).toEqual(expected);
    const real = kubectl(["apply", "--server-side", "-R", "-f", folder()]);
    expect(appliedNames(real)).toEqual(expected);
    for (const o of objects) {
      const args = ["get", resourceName(o), "-o", "name"];
      if (o.metadata.namespace) args.push("-n", o.metadata.namespace);
      expect(kubectl(args).trim()).toBe(resourceName(o));
    }
  });
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));
