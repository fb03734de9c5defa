import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PlannedResource } from "../../policies/offline";
import { policies } from "../../policies/policies";
import { badStack, badStackProdViolations } from "../fixtures/policies/bad-stack";
import { compliantStack, secret } from "../fixtures/policies/resources";

function summary(resources: PlannedResource[], environment: string) {
  const names = new Map(resources.map((r) => [r.urn, r.name]));
  return evaluatePolicies(resources, { environment }).map((v) => [
    v.policy,
    names.get(v.resource) ?? v.resource,
    v.enforcement,
  ]);
}

describe("evaluatePolicies", () => {
  it.each(["prod", "dev"])("reports nothing for the compliant stack in %s", (environment) => {
    expect(evaluatePolicies(compliantStack(), { environment })).toEqual([]);
  });

  it("reports every expected violation of the bad stack in prod, with exact messages", () => {
    expect(summary(badStack(), "prod")).toEqual(badStackProdViolations);
    const messages = evaluatePolicies(badStack(), { environment: "prod" }).map((v) => v.message);
    expect(messages).toContain(
      'Kubernetes Deployment "faktory": spec.replicas is 3 and its pods run the Faktory server without ' +
        "faktory-ha-supervisor; run 1 replica or run the supervisor (several active Faktory servers on one " +
        "Redis lose and re-run jobs).",
    );
    expect(messages.join("\n")).not.toMatch(/hunter2|do-not-print-me/);
  });

  it("relaxes failover and Multi-AZ to advisory and skips prod-only rules in dev", () => {
    const prodOnly = new Set([
      "elasticache-snapshot-retention",
      "elasticache-final-snapshot",
      "eks-node-groups-multi-az",
      "elasticache-alarms",
    ]);
    const relaxed = new Set([
      "elasticache-automatic-failover",
      "elasticache-multi-az",
      "faktory-tls-required",
    ]);
    const expected = badStackProdViolations
      .filter(([policy]) => !prodOnly.has(policy))
      .map(([policy, name, level]) => [policy, name, relaxed.has(policy) ? "advisory" : level]);
    expect(summary(badStack(), "dev")).toEqual(expected);
  });

  it("reports resource violations against the resource's URN and stack ones against the URN they name", () => {
    const [first] = evaluatePolicies(badStack(), { environment: "prod" });
    expect(first.resource).toBe(
      "urn:pulumi:prod::faktory-ha::aws:elasticache/replicationGroup:ReplicationGroup::redis",
    );
  });

  it("sees through a spec wrapped as a secret by the mock runtime", () => {
    const [, deployment] = badStack();
    const wrapped = { ...deployment, props: { ...deployment.props, spec: secret(deployment.props.spec) } };
    const policiesHit = evaluatePolicies([wrapped], { environment: "prod" }).map((v) => v.policy);
    expect(policiesHit).toEqual([
      "faktory-single-server-unless-supervised",
      "k8s-no-literal-secret-env",
      "k8s-requests-and-limits",
      "k8s-pinned-images",
      "faktory-tls-required",
      "k8s-pdb-for-multi-replica",
    ]);
  });

  it("rejects an unknown environment, naming it", () => {
    expect(() => evaluatePolicies([], { environment: "staging" })).toThrow(
      'unknown policy environment "staging": expected "prod" or "dev"',
    );
  });

  it("runs exactly the pack's policies, each with a unique name", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(23);
  });
});
