// Pure builders of the AWS components, table-driven. No Pulumi runtime here.
import { describe, expect, it } from "vitest";
import { subnetLayout } from "../../../components/aws/network-cidrs";
import { formatCidr, parseCidr } from "../../../components/aws/validate";
import {
  AUTH_TOKEN_SPECIALS,
  encodeUserinfo,
  isValidAuthToken,
  parameterGroupFamily,
  redisUrl,
  spreadOverZones,
} from "../../../components/aws/redis-config";
import { imageRefProblem } from "../../../components/aws/image-ref";
import {
  LB_CONTROLLER_IAM_POLICY,
  irsaTrustPolicy,
  lbControllerValues,
  resolvedArg,
} from "../../../components/aws/lb-controller";

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/16", { base: 0x0a000000, prefix: 16 }],
    ["172.16.0.0/20", { base: 0xac100000, prefix: 20 }],
    ["203.0.113.7/32", { base: 0xcb007107, prefix: 32 }],
    ["0.0.0.0/0", { base: 0, prefix: 0 }],
  ])("parses %s", (cidr, expected) => {
    expect(parseCidr(cidr)).toEqual(expected);
    expect(formatCidr(expected.base, expected.prefix)).toBe(cidr);
  });

  it.each(["10.0.0.1/16", "10.0.0.0", "10.0.0.0/33", "256.0.0.0/8", "10.0.0/16", " 10.0.0.0/16", "fd00::/8"])(
    "rejects %s",
    (cidr) => expect(parseCidr(cidr)).toBeUndefined(),
  );
});

describe("subnetLayout", () => {
  it.each([
    {
      vpc: "10.0.0.0/16",
      azs: 3,
      privateCidrs: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
      publicCidrs: ["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"],
    },
    {
      vpc: "10.20.0.0/16",
      azs: 2,
      privateCidrs: ["10.20.0.0/19", "10.20.32.0/19"],
      publicCidrs: ["10.20.224.0/24", "10.20.225.0/24"],
    },
    {
      vpc: "192.168.16.0/20",
      azs: 6,
      privateCidrs: [
        "192.168.16.0/23",
        "192.168.18.0/23",
        "192.168.20.0/23",
        "192.168.22.0/23",
        "192.168.24.0/23",
        "192.168.26.0/23",
      ],
      publicCidrs: [
        "192.168.30.0/28",
        "192.168.30.16/28",
        "192.168.30.32/28",
        "192.168.30.48/28",
        "192.168.30.64/28",
        "192.168.30.80/28",
      ],
    },
  ])("$vpc over $azs AZs", ({ vpc, azs, privateCidrs, publicCidrs }) => {
    expect(subnetLayout(vpc, azs)).toEqual({ privateCidrs, publicCidrs });
  });

  it.each([
    ["10.0.0.0/8", 3],
    ["10.0.0.0/21", 3],
    ["10.0.0.1/16", 3],
    ["10.0.0.0/16", 1],
    ["10.0.0.0/16", 7],
    ["10.0.0.0/16", 2.5],
  ])("refuses %s with %s AZs", (vpc, azs) => {
    expect(() => subnetLayout(vpc, azs)).toThrow();
  });
});

describe("redis config", () => {
  it.each([
    ["redis", "7.1", "redis7"],
    ["redis", "7.0", "redis7"],
    ["valkey", "8.0", "valkey8"],
    ["valkey", "7.2", "valkey7"],
    ["redis", "6.2", undefined],
    ["redis", "8.0", undefined],
    ["valkey", "9.0", undefined],
    ["redis", "7", undefined],
    ["redis", "7.1.0", undefined],
  ] as const)("family of %s %s is %s", (engine, version, family) => {
    expect(parameterGroupFamily(engine, version)).toBe(family);
  });

  it.each([
    ["a".repeat(16), true],
    ["a".repeat(128), true],
    ["a".repeat(15), false],
    ["a".repeat(129), false],
    [`${"a".repeat(16)}@`, false],
    [`${"a".repeat(16)}"`, false],
    [`${"a".repeat(16)}/`, false],
    [`${"a".repeat(8)} ${"a".repeat(8)}`, false],
    [`${"a".repeat(16)}é`, false],
    [`${"a".repeat(10)}${AUTH_TOKEN_SPECIALS}`, true],
  ])("auth token %j valid: %s", (token, valid) => {
    expect(isValidAuthToken(token)).toBe(valid);
  });

  it("the generator's special characters are all allowed by ElastiCache", () => {
    expect(isValidAuthToken(AUTH_TOKEN_SPECIALS.padEnd(16, "x"))).toBe(true);
  });

  it.each([
    ["plainToken0123456", "plainToken0123456"],
    ["a%b#c&d?e:f", "a%25b%23c%26d%3Fe%3Af"],
    ["!*()[]{}<>=+$", "%21%2A%28%29%5B%5D%7B%7D%3C%3E%3D%2B%24"],
    ["-_.~", "-_.~"],
  ])("encodes %j as %j", (raw, encoded) => {
    expect(encodeUserinfo(raw)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(raw);
  });

  it("builds a TLS URL whose password parses back to the token", () => {
    const token = "p%ss#w:rd?&!*()[]{}<>=+$-_";
    const url = redisUrl("master.cache.example.internal", 6379, token);
    expect(url).toBe(
      "rediss://:p%25ss%23w%3Ard%3F%26%21%2A%28%29%5B%5D%7B%7D%3C%3E%3D%2B%24-_@master.cache.example.internal:6379",
    );
    const parsed = new URL(url);
    expect(parsed.protocol).toBe("rediss:");
    expect(parsed.username).toBe("");
    expect(decodeURIComponent(parsed.password)).toBe(token);
    expect(parsed.hostname).toBe("master.cache.example.internal");
    expect(parsed.port).toBe("6379");
  });
});

describe("spreadOverZones", () => {
  it.each([
    [["a", "b", "c"], 2, ["a", "b"]],
    [["a", "b", "c"], 3, ["a", "b", "c"]],
    [["a", "b"], 3, ["a", "b", "a"]],
    [["a", "a", "b"], 2, ["a", "b"]],
    [["a"], 2, ["a", "a"]],
    [[], 2, undefined],
    [undefined, 2, undefined],
  ])("%j over %i nodes", (zones, nodes, expected) => {
    expect(spreadOverZones(zones, nodes)).toEqual(expected);
  });
});

describe("imageRefProblem", () => {
  const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
  it.each([
    "contribsys/faktory-ent:1.9.1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:abc123",
    "registry.example.com:5000/team/faktory-ha:v1.2.3",
    `registry.example.com:5000/faktory-ha@${digest}`,
    `faktory-ha:v1@${digest}`,
  ])("accepts %s", (ref) => expect(imageRefProblem(ref)).toBeUndefined());

  it.each([
    ["contribsys/faktory", "has neither a tag nor a digest"],
    ["registry.example.com:5000/faktory", "has neither a tag nor a digest"],
    ["contribsys/faktory:latest", 'uses the floating tag "latest"; pin a version tag or a digest'],
    ["faktory@sha256:abc", "has a malformed digest (expected name@sha256:<64 hex characters>)"],
    [`@${digest}`, "has a malformed digest (expected name@sha256:<64 hex characters>)"],
    ["faktory:", 'has a malformed tag ""'],
    ["", "must be a non-empty image reference without spaces"],
    ["faktory :1", "must be a non-empty image reference without spaces"],
  ])("refuses %j: %s", (ref, problem) => expect(imageRefProblem(ref)).toBe(problem));
});

describe("AWS Load Balancer Controller", () => {
  it("values name the cluster, region, VPC and annotate the service account with the IRSA role", () => {
    expect(
      lbControllerValues({
        clusterName: "prod-eks",
        region: "eu-west-1",
        vpcId: "vpc-1",
        roleArn: "arn:aws:iam::1:role/lbc",
      }),
    ).toEqual({
      clusterName: "prod-eks",
      region: "eu-west-1",
      vpcId: "vpc-1",
      replicaCount: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      serviceAccount: {
        create: true,
        name: "aws-load-balancer-controller",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/lbc" },
      },
    });
  });

  it("an existing cluster's value that resolved to nothing is refused by name, not installed empty", () => {
    expect(resolvedArg('Cluster "shared"', "vpcId", "vpc-1")).toBe("vpc-1");
    for (const value of [undefined, ""]) {
      expect(() => resolvedArg('Cluster "shared"', "clusterName", value)).toThrow(
        `Cluster "shared": clusterName=${value === undefined ? "undefined" : '""'} must be set to install the load balancer controller into an existing cluster`,
      );
    }
  });

  it.each(["oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"])(
    "trust policy admits only the controller's service account (issuer %s)",
    (issuer) => {
      const doc = JSON.parse(
        irsaTrustPolicy("arn:oidc", issuer, "kube-system", "aws-load-balancer-controller"),
      );
      expect(doc.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: "arn:oidc" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":
                "system:serviceaccount:kube-system:aws-load-balancer-controller",
              "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
            },
          },
        },
      ]);
    },
  );

  it("bundles the upstream IAM policy, including the actions newer controllers need", () => {
    const doc = JSON.parse(LB_CONTROLLER_IAM_POLICY) as {
      Version: string;
      Statement: { Effect: string; Action: string[] }[];
    };
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement).toHaveLength(16);
    expect(doc.Statement.every((s) => s.Effect === "Allow")).toBe(true);
    const actions = doc.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:RegisterTargets",
        "ec2:GetSecurityGroupsForVpc",
      ]),
    );
  });
});
