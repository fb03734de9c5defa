import { describe, expect, it } from "vitest";
import * as k8s from "@pulumi/kubernetes";
import { isSecret, setupMocks, unwrapSecrets, valueOf } from "../../support/pulumi-mocks";
import { Cluster, ClusterArgs } from "../../../components/aws/cluster";
import { LB_CONTROLLER_IAM_POLICY } from "../../../components/aws/lb-controller";
import { errorOf, inventory, named, settle } from "./helpers";

const runtime = setupMocks();
const TYPE = "faktory-ha:aws:Cluster";
const create: ClusterArgs = { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"] };

function one(type: string, name: string): Record<string, unknown> {
  const found = runtime.resources.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return unwrapSecrets(found[0].inputs) as Record<string, unknown>;
}

describe("Cluster (new EKS cluster)", () => {
  it("creates EKS, a managed node group, and the LB controller with an IRSA role", async () => {
    const cluster = new Cluster("prod", {
      ...create,
      kubernetesVersion: "1.33",
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
      tags: { env: "prod" },
    });
    const [name, nodeSg, clusterSg, kubeconfig] = await Promise.all([
      valueOf(cluster.clusterName),
      valueOf(cluster.nodeSecurityGroupId),
      valueOf(cluster.clusterSecurityGroupId),
      valueOf(cluster.kubeconfig),
    ]);
    await settle(runtime);

    expect(name).toBe("prod-eks-eks");
    expect(nodeSg).toBe("sg-nodes");
    expect(clusterSg).toBe("sg-cluster");
    expect(JSON.parse(kubeconfig ?? "")).toMatchObject({ kind: "Config" });
    expect(await isSecret(cluster.kubeconfig)).toBe(true);
    expect(cluster.provider).toBeInstanceOf(k8s.Provider);
    const provider = runtime.one("pulumi:providers:kubernetes", "prod-k8s");
    expect(provider.parentType).toBe(TYPE);
    // ConfigMaps update in place, so a cron.toml change reaches mounted conf.d without a restart.
    expect(provider.inputs.enableConfigMapMutable).toBe("true"); // provider config arrives as strings
    expect(JSON.parse(unwrapSecrets(provider.inputs.kubeconfig) as string)).toMatchObject({ kind: "Config" });

    const ours = named(runtime, "prod").filter((r) => r.type !== "pulumi:providers:kubernetes");
    expect(ours.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${TYPE} prod`,
        "eks:index:Cluster prod-eks",
        "aws:iam/role:Role prod-node-role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment prod-node-worker",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment prod-node-cni",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment prod-node-ecr",
        "eks:index:ManagedNodeGroup prod-nodes",
        "aws:ec2/launchTemplate:LaunchTemplate prod-nodes",
        "aws:iam/policy:Policy prod-lbc-policy",
        "aws:iam/role:Role prod-lbc-role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment prod-lbc-policy",
        "kubernetes:helm.sh/v3:Release prod-lbc",
      ].sort(),
    );
    for (const child of ours.filter((r) => r.type !== TYPE)) {
      expect(child.parentType, child.name).toBe(TYPE);
    }

    expect(one("eks:index:Cluster", "prod-eks")).toMatchObject({
      vpcId: "vpc-1",
      privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      version: "1.33",
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
      createOidcProvider: true,
      authenticationMode: "API",
      skipDefaultNodeGroup: true,
      skipDefaultSecurityGroups: true,
      enabledClusterLogTypes: ["api", "audit", "authenticator"],
      tags: { env: "prod" },
    });
    const eksInputs = one("eks:index:Cluster", "prod-eks");
    expect(eksInputs.publicSubnetIds).toBeUndefined();

    const nodes = one("eks:index:ManagedNodeGroup", "prod-nodes");
    expect(nodes).toMatchObject({
      subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      instanceTypes: ["t3.large"],
      scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
    });
    expect(nodes.launchTemplate).toEqual({ id: "prod-nodes-id", version: expect.any(String) });
    expect(one("aws:ec2/launchTemplate:LaunchTemplate", "prod-nodes")).toMatchObject({
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
      ],
    });
    expect(nodes.cluster).toBeDefined();
    expect(nodes.nodeRole).toBeDefined();
    expect(
      ["worker", "cni", "ecr"].map((r) =>
        one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", `prod-node-${r}`),
      ),
    ).toEqual([
      { role: "prod-node-role", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
      expect.objectContaining({ policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }),
      expect.objectContaining({ policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" }),
    ]);

    expect(one("aws:iam/policy:Policy", "prod-lbc-policy").policy).toBe(LB_CONTROLLER_IAM_POLICY);
    const issuer = "oidc.eks.us-east-1.amazonaws.com/id/prod-eks";
    const trust = JSON.parse(one("aws:iam/role:Role", "prod-lbc-role").assumeRolePolicy as string);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: "system:serviceaccount:kube-system:aws-load-balancer-controller",
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
    expect(one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "prod-lbc-policy")).toMatchObject({
      role: "prod-lbc-role",
      policyArn: "arn:aws:iam::123456789012:policy/prod-lbc-policy",
    });

    const release = runtime.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "prod-lbc",
    );
    expect(release?.provider).toMatch(/pulumi:providers:kubernetes::/);
    expect(await valueOf(cluster.loadBalancerController?.urn as never)).toBe(release?.urn);
    expect(unwrapSecrets(release?.inputs)).toMatchObject({
      chart: "aws-load-balancer-controller",
      version: "1.14.1",
      namespace: "kube-system",
      repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      values: {
        clusterName: "prod-eks-eks",
        region: "us-east-1",
        vpcId: "vpc-1",
        serviceAccount: {
          create: true,
          name: "aws-load-balancer-controller",
          annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/prod-lbc-role" },
        },
      },
    });
  });

  it("keeps the API endpoint private by default and takes node sizes", async () => {
    const cluster = new Cluster("dev", {
      ...create,
      nodeInstanceType: "t3.medium",
      nodeMinSize: 1,
      nodeDesiredSize: 2,
      nodeMaxSize: 3,
      installLoadBalancerController: false,
    });
    await valueOf(cluster.clusterName);
    await settle(runtime);
    const eksInputs = one("eks:index:Cluster", "dev-eks");
    expect(eksInputs).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(eksInputs.publicAccessCidrs).toBeUndefined();
    expect(one("eks:index:ManagedNodeGroup", "dev-nodes")).toMatchObject({
      instanceTypes: ["t3.medium"],
      scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 },
    });
    expect(inventory(runtime, "dev-lbc")).toEqual([]);
    expect(cluster.loadBalancerController).toBeUndefined();
    expect(named(runtime, "dev").filter((r) => r.type === "kubernetes:helm.sh/v3:Release")).toEqual([]);
  });
});

describe("Cluster (existing cluster)", () => {
  it("from a kubeconfig creates only a Kubernetes provider, with the kubeconfig kept secret", async () => {
    const cluster = new Cluster("byo", {
      kubeconfig: '{"apiVersion":"v1","kind":"Config"}',
      clusterName: "shared",
      nodeSecurityGroupId: "sg-shared-nodes",
    });
    expect(await valueOf(cluster.clusterName)).toBe("shared");
    expect(await valueOf(cluster.nodeSecurityGroupId)).toBe("sg-shared-nodes");
    expect(await valueOf(cluster.clusterSecurityGroupId)).toBeUndefined();
    expect(await isSecret(cluster.kubeconfig)).toBe(true);
    await settle(runtime);
    expect(inventory(runtime, "byo")).toEqual([`${TYPE} byo`, "pulumi:providers:kubernetes byo-k8s"]);
    const provider = runtime.resources.find((r) => r.name === "byo-k8s");
    expect(provider?.parentType).toBe(TYPE);
    expect(unwrapSecrets(provider?.inputs)).toMatchObject({
      kubeconfig: '{"apiVersion":"v1","kind":"Config"}',
      enableConfigMapMutable: "true",
    });
  });

  it("from a provider creates nothing and passes the provider through", async () => {
    const given = new k8s.Provider("given", { kubeconfig: "{}" });
    const cluster = new Cluster("passthrough", { provider: given });
    expect(cluster.provider).toBe(given);
    expect(await valueOf(cluster.kubeconfig)).toBeUndefined();
    await settle(runtime);
    expect(inventory(runtime, "passthrough")).toEqual([`${TYPE} passthrough`]);
  });

  it("installs the LB controller into an existing cluster when asked", async () => {
    const given = new k8s.Provider("given2", { kubeconfig: "{}" });
    const cluster = new Cluster("shared", {
      provider: given,
      installLoadBalancerController: true,
      clusterName: "shared-eks",
      vpcId: "vpc-shared",
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example/id/X",
      oidcIssuer: "https://oidc.example/id/X",
    });
    await valueOf(cluster.clusterName);
    await settle(runtime);
    expect(inventory(runtime, "shared")).toEqual(
      [
        `${TYPE} shared`,
        "aws:iam/policy:Policy shared-lbc-policy",
        "aws:iam/role:Role shared-lbc-role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment shared-lbc-policy",
        "kubernetes:helm.sh/v3:Release shared-lbc",
      ].sort(),
    );
    const trust = JSON.parse(one("aws:iam/role:Role", "shared-lbc-role").assumeRolePolicy as string);
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      "oidc.example/id/X:sub": "system:serviceaccount:kube-system:aws-load-balancer-controller",
      "oidc.example/id/X:aud": "sts.amazonaws.com",
    });
    const release = runtime.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "shared-lbc",
    );
    expect(release?.provider).toContain("given2");
    expect(unwrapSecrets(release?.inputs)).toMatchObject({
      values: { clusterName: "shared-eks", vpcId: "vpc-shared", region: "us-east-1" },
    });
  });
});

describe("Cluster validation", () => {
  it.each([
    [
      {},
      'Cluster "bad": give vpcId and privateSubnetIds for a new cluster, or kubeconfig or provider for an existing one',
    ],
    [
      { kubeconfig: "{}", provider: new k8s.Provider("p", {}) },
      'Cluster "bad": give either kubeconfig or provider for an existing cluster, not both',
    ],
    [
      { kubeconfig: "{}", nodeMinSize: 1, privateSubnetIds: ["s"] },
      'Cluster "bad": privateSubnetIds, nodeMinSize cannot be combined with an existing cluster (kubeconfig/provider)',
    ],
    [
      { kubeconfig: "{}", installLoadBalancerController: true, clusterName: "c" },
      'Cluster "bad": installLoadBalancerController on an existing cluster needs vpcId, oidcProviderArn, oidcIssuer',
    ],
    [
      { ...create, clusterName: "x" },
      'Cluster "bad": clusterName only applies to an existing cluster (kubeconfig/provider)',
    ],
    [
      { ...create, endpointPublicAccess: true },
      'Cluster "bad": endpointPublicAccess=true needs publicAccessCidrs, and none are given (0.0.0.0/0 is not allowed)',
    ],
    [
      { ...create, publicAccessCidrs: ["203.0.113.0/24"] },
      'Cluster "bad": publicAccessCidrs needs endpointPublicAccess: true',
    ],
    [
      { ...create, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
      'Cluster "bad": publicAccessCidrs[0]="0.0.0.0/0" must not open the API to the internet (a /0 such as 0.0.0.0/0); name the networks that need it',
    ],
    [
      { ...create, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.1/24"] },
      'Cluster "bad": publicAccessCidrs[0]="203.0.113.1/24" must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      { ...create, nodeDiskSizeGiB: 8 },
      'Cluster "bad": nodeDiskSizeGiB=8 must be a node\'s root volume in GiB: an integer from 20 to 16384',
    ],
    [
      { ...create, enabledClusterLogTypes: ["api", "kube-apiserver"] },
      'Cluster "bad": enabledClusterLogTypes[1]="kube-apiserver" must be one of "api", "audit", "authenticator", "controllerManager", "scheduler"',
    ],
    [
      { ...create, enabledClusterLogTypes: "api" },
      'Cluster "bad": enabledClusterLogTypes="api" must be a list of control plane log types (api, audit, authenticator, controllerManager, scheduler)',
    ],
    [
      { ...create, nodeMinSize: 0 },
      'Cluster "bad": nodeMinSize=0 must be the node group\'s minimum size: an integer from 1 to 100',
    ],
    [
      { ...create, nodeMinSize: 4 },
      'Cluster "bad": node group sizes must satisfy nodeMinSize (4) ≤ nodeDesiredSize (3) ≤ nodeMaxSize (6)',
    ],
    [
      { ...create, nodeMaxSize: 2 },
      'Cluster "bad": node group sizes must satisfy nodeMinSize (2) ≤ nodeDesiredSize (3) ≤ nodeMaxSize (2)',
    ],
  ] as [ClusterArgs, string][])("refuses %j before creating anything", async (args, message) => {
    expect(errorOf(() => new Cluster("bad", args))).toBe(message);
    await settle(runtime);
    expect(inventory(runtime, "bad")).toEqual([]);
  });

  it("reports every problem at once, an unknown arg by name, and leaves Outputs to deployment", async () => {
    const args = {
      ...create,
      nodeMinSize: 0,
      nodeMaxSize: 101,
      kubernetesVersion: 1.31,
      nodeInstanceType: "large",
      publicAccessCidrs: ["10.0.0.0/8"],
      nodeGroupSize: 3,
    };
    expect(errorOf(() => new Cluster("bad", args as never))).toBe(
      'Cluster "bad": ' +
        [
          'kubernetesVersion=1.31 must be an EKS Kubernetes version as a quoted string, such as "1.31"',
          'nodeInstanceType="large" must be an EC2 instance type such as m7g.large',
          "nodeMinSize=0 must be the node group's minimum size: an integer from 1 to 100",
          "nodeMaxSize=101 must be the node group's maximum size: an integer from 1 to 100",
          "nodeGroupSize is not a known arg; known args are vpcId, privateSubnetIds, kubernetesVersion, endpointPublicAccess, publicAccessCidrs, enabledClusterLogTypes, nodeInstanceType, nodeDiskSizeGiB, nodeMinSize, nodeDesiredSize, nodeMaxSize, kubeconfig, provider, clusterName, nodeSecurityGroupId, clusterSecurityGroupId, oidcProviderArn, oidcIssuer, installLoadBalancerController, loadBalancerControllerChartVersion, tags",
          "publicAccessCidrs needs endpointPublicAccess: true",
        ].join("; "),
    );
    await settle(runtime);
    expect(inventory(runtime, "bad")).toEqual([]);
  });

  it("answered every invoke it made", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
