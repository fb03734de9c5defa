import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../infra/config";
import { problemsOf as rejected } from "./problems";

// Values checked against what the AWS provider knows, namespace typos, mixed network shapes and
// advisory warnings: each message names the key, the value and the fix.
const prod: Record<string, string> = {
  "aws:region": "us-east-1",
  "faktory-ha:environment": "prod",
  "faktory-ha:secondaries": "2",
  "faktory-ha:faktoryImage": "docker.contribsys.com/contribsys/faktory-ent:1.9.4",
  "faktory-ha:license": "license-key-value",
  "faktory-ha:cluster": '{"instanceType":"m6i.large"}',
};
const secretKeys = new Set(["faktory-ha:license"]);

const problemsOf = (raw: Record<string, string>) => rejected(raw, secretKeys);

describe("known values", () => {
  it("accepts a valid config without warnings", () => {
    expect(parseStackConfig(prod, secretKeys).warnings).toEqual([]);
  });

  it.each([
    [
      { "aws:region": "us-east-9" },
      'aws:region: got "us-east-9"; is not an AWS region; did you mean "us-east-1"?',
    ],
    [
      { "faktory-ha:cluster": '{"instanceType":"t3.lrage"}' },
      'faktory-ha:cluster.instanceType: got "t3.lrage"; is not an EC2 instance type; did you mean "t3.large"?',
    ],
    [
      { "aws:region": "mars-north-1" },
      'aws:region: got "mars-north-1"; must be an AWS region name such as us-east-1; did you mean "eu-north-1"?',
    ],
    [
      { "aws:region": "US East (N. Virginia)" },
      'aws:region: got "US East (N. Virginia)"; must be an AWS region name such as us-east-1',
    ],
    [
      { "aws:regoin": "us-east-1" },
      'aws:regoin: got "us-east-1"; is not a config key of the AWS provider; did you mean "aws:region"?',
    ],
    [
      { "faktory:secondaries": "2" },
      'faktory:secondaries: got "2"; unknown namespace "faktory"; this project\'s keys start with "faktory-ha:" (faktory-ha:secondaries)',
    ],
    [
      { "faktory-ha:network": '{"vpcId":"vpc-0123abcd","natGateways":"single"}' },
      'faktory-ha:network: got {"vpcId":"vpc-0123abcd","natGateways":"single"}; mixes keys of different shapes; use either { azCount, vpcCidr, natGateways } or { vpcId, privateSubnetIds }, not both',
    ],
  ])("rejects %j", (change, message) => {
    expect(problemsOf({ ...prod, ...change })).toEqual([message]);
  });

  it("only warns about a value far from every known one (AWS may be ahead of the provider)", () => {
    const config = parseStackConfig(
      { ...prod, "aws:region": "zz-polar-7", "faktory-ha:cluster": '{"instanceType":"zz9.galactic"}' },
      secretKeys,
    );
    expect(config.warnings).toEqual([
      'aws:region: "zz-polar-7" is not an AWS region the AWS provider knows; check the spelling',
      'faktory-ha:cluster.instanceType: "zz9.galactic" is not an EC2 instance type the AWS provider knows; check the spelling',
    ]);
  });

  it("warns about prod without a hot standby", () => {
    const config = parseStackConfig({ ...prod, "faktory-ha:secondaries": "0" }, secretKeys);
    expect(config.warnings).toEqual([
      "faktory-ha:secondaries: 0 in prod: no hot standby, so every restart of the Faktory pod stops enqueueing until it is back",
    ]);
  });

  it("requires aws:region, and names an unknown aws key far from every known one with the whole list", () => {
    const { "aws:region": _region, ...withoutRegion } = prod;
    expect(problemsOf({ ...withoutRegion, "aws:flavour": "x" })).toEqual([
      "aws:region: got nothing; is required: the AWS region to deploy to, e.g. `pulumi config set aws:region us-east-1` (without it the provider takes the region of whoever runs pulumi)",
      expect.stringMatching(
        /^aws:flavour: got "x"; is not a config key of the AWS provider; its keys are accessKey, allowedAccountIds, .*, region, .*, userAgents$/,
      ),
    ]);
  });

  it.each([
    [
      '["0.0.0.0/0"]',
      'faktory-ha:allowedCidrs[0]: "0.0.0.0/0" admits every IPv4 address to Faktory (behind an internal NLB, still every network routed to the VPC); name the client networks instead',
    ],
    [
      '["10.60.0.0/24","10.0.0.0/8"]',
      'faktory-ha:allowedCidrs[1]: "10.0.0.0/8" is wider than the VPC (10.42.0.0/16): it admits more than the network Faktory runs in; narrow it to the client networks',
    ],
  ])("warns about allowedCidrs %s opening Faktory wider than the VPC", (cidrs, warning) => {
    const config = parseStackConfig({ ...prod, "faktory-ha:allowedCidrs": cidrs }, secretKeys);
    expect(config.warnings).toEqual([warning]);
  });

  it("leaves other providers' namespaces alone", () => {
    expect(() =>
      parseStackConfig({ ...prod, "kubernetes:context": "x", "pulumi:tags": "{}" }, secretKeys),
    ).not.toThrow();
  });
});
