// The policy pack through the real engine: `preview` with `policies/` attached. There is no Node language host
// here (its Go module is not served), so the pack is handed to the CLI as an executable analyzer plugin, which
// the CLI starts with the engine's address: a two-line script that runs @pulumi/pulumi's policy-pack runner in
// the pack's folder, the runner any Node policy pack is run by. Its verdicts must match the offline plan's: none
// for the Faktory component, the same Kubernetes violations for the seed deployment. The seed's ElastiCache
// group is left out: there is no AWS provider here, so only the Kubernetes half of the seed can go through.
import * as k8s from "@pulumi/kubernetes";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedKubernetes } from "../fixtures/seed-project/kubernetes";
import { CLUSTER_DIR, KUBECONFIG, REPO_ROOT, requireCluster, testImage } from "./support/env";
import { collect, faktoryProgram, testStack, type EngineRun } from "./support/stack";
import { buildCli, runPlan } from "../unit/plan/plan-cli";

const PACK_DIR = join(REPO_ROOT, "policies");
const PACK_PLUGIN = join(CLUSTER_DIR, "pulumi", "analyzer", "faktory-ha-policy-pack");

/** One verdict: policy, the resource's name (last URN segment), enforcement level. */
type Verdict = readonly [policy: string, resource: string, enforcement: string];
const sorted = (v: Verdict[]): Verdict[] => [...v].sort((a, b) => a.join("|").localeCompare(b.join("|")));
const nameOf = (urn: string): string => urn.split("::").pop() ?? urn;

/** The pack as an analyzer plugin: the CLI runs it with the engine's address; it prints its port. */
function installPackPlugin(): void {
  mkdirSync(dirname(PACK_PLUGIN), { recursive: true });
  const runner = join(REPO_ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js");
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  writeFileSync(
    PACK_PLUGIN,
    `#!/bin/sh\ncd ${q(PACK_DIR)} || exit 1\nexec ${q(process.execPath)} ${q(runner)} "$1" .\n`,
  );
  chmodSync(PACK_PLUGIN, 0o755);
}

/** Previews `program` with the pack and the pack config of `environment`; returns the verdicts. */
async function previewWithPack(
  run: EngineRun,
  environment: "prod" | "dev",
): Promise<{ verdicts: Verdict[]; log: string[]; succeeded: boolean }> {
  const log: string[] = [];
  const verdicts: Verdict[] = [];
  let succeeded = true;
  try {
    await run.stack.preview({
      policyPacks: [PACK_PLUGIN],
      policyPackConfigs: [join(PACK_DIR, "config", `${environment}.json`)],
      onOutput: collect(log),
      onEvent: (event: EngineEvent) => {
        const p = event.policyEvent;
        if (p) verdicts.push([p.policyName, nameOf(p.resourceUrn ?? "stack"), p.enforcementLevel]);
      },
    });
  } catch (e) {
    // A mandatory violation fails the preview, as it would fail CI: the verdicts are the point here.
    succeeded = false;
    log.push(String(e));
  }
  return { verdicts: sorted(verdicts), log, succeeded };
}

/** The offline plan's Kubernetes verdicts for the seed (`faktory-ha plan prod --project …`). */
function offlineSeedVerdicts(): Verdict[] {
  const out = mkdtempSync(join(tmpdir(), "faktory-ha-seed-"));
  buildCli();
  const run = runPlan([
    "prod",
    "--project",
    join(REPO_ROOT, "test/fixtures/seed-project"),
    "--json",
    "--out",
    out,
  ]);
  const plan = JSON.parse(run.stdout) as {
    policies: { violations: { policy: string; enforcement: string; resource: string }[] };
  };
  return sorted(
    plan.policies.violations
      .filter((v) => v.resource.includes("::kubernetes:"))
      .map((v) => [v.policy, nameOf(v.resource), v.enforcement] as const),
  );
}

describe("the policy pack through the real engine", () => {
  const runs: EngineRun[] = [];

  beforeAll(() => {
    requireCluster();
    installPackPlugin();
  });

  afterAll(async () => {
    for (const run of runs) {
      await run.stack.workspace.removeStack(run.stack.name, { force: true }).catch(() => undefined);
    }
  });

  it("finds nothing wrong with the Faktory component (prod rules)", async () => {
    const run = await testStack(
      "policy-faktory",
      faktoryProgram("fha-policy", {
        image: testImage(),
        secondaries: 2,
        password: "cluster-test-password",
        lease: { keyPrefix: "fha-policy" },
        // Prod requires TLS (faktory-tls-required); a preview only, so the Secret need not exist.
        tls: { mode: "required", secretName: "fha-policy-tls" },
      }),
    );
    runs.push(run);
    const { verdicts, log, succeeded } = await previewWithPack(run, "prod");
    expect(verdicts, log.join("\n")).toEqual([]);
    expect(succeeded, log.join("\n")).toBe(true);
    // The pack really ran: the engine names it in the preview.
    expect(log.join("\n")).toContain("faktory-ha");
  });

  it("reports on the seed's Kubernetes objects exactly what the offline plan reports", async () => {
    const expected = offlineSeedVerdicts();
    expect(expected.length).toBeGreaterThan(0);
    const run = await testStack("policy-seed", async () => {
      // Client-side preview: the seed's namespace does not exist and its Deployments are invalid
      // (the plan's schema check says so); the pack must judge their inputs all the same.
      const provider = new k8s.Provider("local", {
        kubeconfig: readFileSync(KUBECONFIG, "utf8"),
        enableServerSideApply: false,
      });
      seedKubernetes("redis://:hunter2-seed-token@seed-redis.example:6379", { provider });
      return {};
    });
    runs.push(run);
    const { verdicts, log, succeeded } = await previewWithPack(run, "prod");
    console.log(JSON.stringify({ scenario: "policy pack via the engine: seed", verdicts }));
    expect(verdicts, log.join("\n")).toEqual(expected);
    expect(succeeded, "mandatory violations fail the preview").toBe(false);
  });
});
