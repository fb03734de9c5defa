import { describe, expect, it } from "vitest";
import { regionCode } from "../../../cli/plan/cloud-mocks";
import { outFileHeader, standInsIn } from "../../../cli/plan/stand-ins";

describe("the offline plan's stand-in values", () => {
  it.each([
    ["us-east-1", "use1"],
    ["eu-west-1", "euw1"],
    ["eu-central-1", "euc1"],
    ["ap-southeast-2", "apse2"],
    ["ap-northeast-1", "apne1"],
    ["us-west-2", "usw2"],
  ])("shortens %s to %s, as zone ids and ElastiCache endpoints do", (region, code) => {
    expect(regionCode(region)).toBe(code);
  });

  it("lists every string holding a stand-in or an auto-name suffix, by path", () => {
    const object = {
      metadata: {
        name: "x",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/r" },
      },
      spec: { containers: [{ image: "repo@sha256:aaaa", env: [{ secretRef: "jobs-secret-0a1b2c3d" }] }] },
      cidr: "10.42.0.0/16",
    };
    expect(standInsIn(object, ["arn:aws:iam::123456789012:role/r", "sha256:aaaa"])).toEqual([
      'metadata.annotations["eks.amazonaws.com/role-arn"] = arn:aws:iam::123456789012:role/r',
      "spec.containers[0].image = repo@sha256:aaaa",
      "spec.containers[0].env[0].secretRef = jobs-secret-0a1b2c3d",
    ]);
  });

  it("says so in a file that holds none", () => {
    expect(outFileHeader("dev", [])).toBe(
      "# Written by `faktory-ha plan dev` offline: nothing here was read from AWS or a cluster.\n" +
        "# No value in this file is a placeholder for one the cloud assigns at deploy time.\n",
    );
  });
});
