import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import {
  LB_CONTROLLER_CHART_REPO,
  LB_CONTROLLER_CHART_VERSION,
  LB_CONTROLLER_IAM_POLICY,
  LB_CONTROLLER_NAMESPACE,
  LB_CONTROLLER_SERVICE_ACCOUNT,
  irsaTrustPolicy,
  lbControllerValues,
  resolvedArg,
} from "./lb-controller";
import { z } from "zod";
import { anyInput, argProblems, bool, input, throwIfProblems } from "../arg-schema";
import {
  clusterLogTypesSchema,
  instanceTypeSchema,
  kubernetesVersionSchema,
  nodeCountSchema,
  nodeDiskSizeSchema,
  publicAccessCidrSchema,
} from "./args-schema";
import { nodeSizeProblems } from "./cross-arg-rules";
import { CLUSTER_DEFAULTS } from "./defaults";

export { CLUSTER_DEFAULTS } from "./defaults";

const TYPE = "faktory-ha:aws:Cluster";

/** Managed policies every EKS worker node role needs (kubelet, VPC CNI, image pulls from ECR). */
const NODE_POLICIES = {
  worker: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  cni: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  ecr: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
} as const;

/** Args of both modes: the AWS Load Balancer Controller and tags. */
interface ClusterCommonArgs {
  /**
   * Install the AWS Load Balancer Controller (Helm, kube-system) with an IRSA role. The Faktory
   * component's internal NLB needs it. For an existing cluster it also needs `clusterName`,
   * `vpcId`, `oidcProviderArn` and `oidcIssuer`.
   * @default true for a new cluster, false for an existing one
   */
  readonly installLoadBalancerController?: boolean;
  /**
   * Version of the eks-charts `aws-load-balancer-controller` chart. The bundled IAM policy matches
   * the default; change both together.
   * @default "1.14.1" (controller v2.14.1)
   */
  readonly loadBalancerControllerChartVersion?: pulumi.Input<string>;
  /**
   * Tags for every AWS resource the component creates.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A new EKS cluster: give `vpcId` and `privateSubnetIds`. */
export interface NewClusterArgs extends ClusterCommonArgs {
  /** VPC of the new cluster. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets (≥ 2 AZs) for the control plane ENIs and the node group. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Kubernetes version of a new cluster, e.g. `"1.33"`.
   * @default undefined (EKS's default version at creation time)
   */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /**
   * Also expose the API server on a public endpoint, limited to `publicAccessCidrs`. The private
   * endpoint is always on. Without a public endpoint, `pulumi up` must run from inside the VPC
   * (or over VPN/peering), because the Helm release and the Faktory component talk to the API.
   * @default false
   */
  readonly endpointPublicAccess?: boolean;
  /**
   * CIDRs allowed to reach the public endpoint. Required (non-empty) when `endpointPublicAccess`
   * is true; a /0 (`0.0.0.0/0`) is refused.
   * @default undefined
   */
  readonly publicAccessCidrs?: readonly string[];
  /**
   * Control plane log types sent to CloudWatch: any of "api", "audit", "authenticator",
   * "controllerManager", "scheduler".
   * @default ["api", "audit", "authenticator"]
   */
  readonly enabledClusterLogTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Node group instance type.
   * @default "t3.large"
   */
  readonly nodeInstanceType?: pulumi.Input<string>;
  /**
   * Root volume size of each node in GiB (encrypted gp3), 20 to 16384.
   * @default 50
   */
  readonly nodeDiskSizeGiB?: pulumi.Input<number>;
  /**
   * Node group minimum size (1 to 100).
   * @default 2
   */
  readonly nodeMinSize?: number;
  /**
   * Node group desired size (between min and max). With 3 Faktory pods spread over hosts, keep ≥ 3.
   * @default 3
   */
  readonly nodeDesiredSize?: number;
  /**
   * Node group maximum size (≥ desired, at most 100).
   * @default 6
   */
  readonly nodeMaxSize?: number;
  readonly kubeconfig?: never;
  readonly provider?: never;
  readonly clusterName?: never;
  readonly nodeSecurityGroupId?: never;
  readonly clusterSecurityGroupId?: never;
  readonly oidcProviderArn?: never;
  readonly oidcIssuer?: never;
}

/** An existing cluster's args, whichever way it is reached. */
interface ExistingClusterCommonArgs extends ClusterCommonArgs {
  /**
   * The existing cluster's VPC; required to install the controller into it.
   * @default undefined
   */
  readonly vpcId?: pulumi.Input<string>;
  /**
   * Name of the existing cluster (for outputs, and required to install the controller into it).
   * @default undefined
   */
  readonly clusterName?: pulumi.Input<string>;
  /** The existing cluster's node security group, passed through to `nodeSecurityGroupId`. @default undefined */
  readonly nodeSecurityGroupId?: pulumi.Input<string>;
  /** The existing cluster's security group, passed through to `clusterSecurityGroupId`. @default undefined */
  readonly clusterSecurityGroupId?: pulumi.Input<string>;
  /**
   * The existing cluster's IAM OIDC provider ARN; required to install the controller into it.
   * @default undefined
   */
  readonly oidcProviderArn?: pulumi.Input<string>;
  /**
   * The existing cluster's OIDC issuer URL (with or without `https://`); required to install the
   * controller into it.
   * @default undefined
   */
  readonly oidcIssuer?: pulumi.Input<string>;
  readonly privateSubnetIds?: never;
  readonly kubernetesVersion?: never;
  readonly endpointPublicAccess?: never;
  readonly publicAccessCidrs?: never;
  readonly enabledClusterLogTypes?: never;
  readonly nodeInstanceType?: never;
  readonly nodeDiskSizeGiB?: never;
  readonly nodeMinSize?: never;
  readonly nodeDesiredSize?: never;
  readonly nodeMaxSize?: never;
}

/** An existing cluster reached by its kubeconfig: only a Kubernetes provider is created. */
export interface KubeconfigClusterArgs extends ExistingClusterCommonArgs {
  /** Kubeconfig of the existing cluster (a secret). */
  readonly kubeconfig: pulumi.Input<string>;
  readonly provider?: never;
}

/** An existing cluster reached by a ready Kubernetes provider, passed through as `provider`. */
export interface ProviderClusterArgs extends ExistingClusterCommonArgs {
  /** A ready Kubernetes provider for the existing cluster. */
  readonly provider: k8s.Provider;
  readonly kubeconfig?: never;
}

export type ExistingClusterArgs = KubeconfigClusterArgs | ProviderClusterArgs;

/**
 * A new EKS cluster (`vpcId` + `privateSubnetIds`) or an existing one (`kubeconfig` or `provider`);
 * an arg of the other mode is a compile error, and a run-time error for JavaScript callers.
 */
export type ClusterArgs = NewClusterArgs | ExistingClusterArgs;

/**
 * An EKS cluster for Faktory (private subnets, OIDC for IRSA, access entries, one managed node
 * group) with the AWS Load Balancer Controller, or an existing cluster reached by kubeconfig or
 * provider. Either way, `provider` deploys into it.
 */
export class Cluster extends pulumi.ComponentResource {
  /**
   * Deploys into the cluster. ConfigMaps are updated in place (`enableConfigMapMutable`), so a
   * cron.toml change reaches the mounted conf.d without replacing the ConfigMap or restarting pods.
   */
  public readonly provider: k8s.Provider;
  /** Kubeconfig JSON (secret); undefined when an existing `provider` was given. */
  public readonly kubeconfig: pulumi.Output<string | undefined>;
  public readonly clusterName: pulumi.Output<string | undefined>;
  /**
   * The security group of the nodes (and of pods on them); give it to Redis `sourceSecurityGroupIds`.
   * For a new cluster this is the EKS-created cluster security group, which managed nodes use.
   */
  public readonly nodeSecurityGroupId: pulumi.Output<string | undefined>;
  public readonly clusterSecurityGroupId: pulumi.Output<string | undefined>;
  public readonly oidcProviderArn: pulumi.Output<string | undefined>;
  /**
   * The controller's Helm release when installed. Put it in `dependsOn` of anything creating a
   * LoadBalancer Service, so the controller's webhook and IAM role exist first.
   */
  public readonly loadBalancerController: k8s.helm.v3.Release | undefined;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    validateClusterArgs(name, args);
    const installLbc = args.installLoadBalancerController ?? !isExisting(args);
    const chartVersion = args.loadBalancerControllerChartVersion ?? LB_CONTROLLER_CHART_VERSION;
    const endpointPublicAccess = args.endpointPublicAccess ?? false;
    const enabledClusterLogTypes = args.enabledClusterLogTypes ?? [
      ...CLUSTER_DEFAULTS.enabledClusterLogTypes,
    ];
    const nodeInstanceType = args.nodeInstanceType ?? CLUSTER_DEFAULTS.nodeInstanceType;
    const nodeDiskSizeGiB = args.nodeDiskSizeGiB ?? CLUSTER_DEFAULTS.nodeDiskSizeGiB;
    const nodeMinSize = args.nodeMinSize ?? CLUSTER_DEFAULTS.nodeMinSize;
    const nodeDesiredSize = args.nodeDesiredSize ?? CLUSTER_DEFAULTS.nodeDesiredSize;
    const nodeMaxSize = args.nodeMaxSize ?? CLUSTER_DEFAULTS.nodeMaxSize;
    const tags = args.tags ?? {};

    super(TYPE, name, {}, opts);
    const parent = { parent: this };

    let vpcId: pulumi.Input<string | undefined>;
    let clusterName: pulumi.Output<string | undefined>;
    let oidcProviderArn: pulumi.Output<string | undefined>;
    let oidcIssuer: pulumi.Output<string | undefined>;
    let lbcDependsOn: pulumi.Resource[] = [];

    if (!isExisting(args)) {
      vpcId = args.vpcId;
      const cluster = new eks.Cluster(
        `${name}-eks`,
        {
          vpcId: args.vpcId,
          privateSubnetIds: args.privateSubnetIds,
          version: args.kubernetesVersion,
          endpointPrivateAccess: true,
          endpointPublicAccess,
          publicAccessCidrs: endpointPublicAccess ? [...(args.publicAccessCidrs ?? [])] : undefined,
          createOidcProvider: true,
          authenticationMode: eks.AuthenticationMode.Api,
          skipDefaultNodeGroup: true,
          // Managed nodes run in the EKS-created cluster security group; without pulumi-eks's extra
          // groups, `nodeSecurityGroupId` is exactly the group pods' traffic comes from.
          skipDefaultSecurityGroups: true,
          enabledClusterLogTypes,
          tags,
        },
        parent,
      );

      const nodeRole = new aws.iam.Role(
        `${name}-node-role`,
        {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          }),
          tags,
        },
        parent,
      );
      const attachments = Object.entries(NODE_POLICIES).map(
        ([role, policyArn]) =>
          new aws.iam.RolePolicyAttachment(
            `${name}-node-${role}`,
            { role: nodeRole.name, policyArn },
            parent,
          ),
      );
      // IMDSv2 only, with a hop limit of 1 so pods cannot reach the node role's credentials (pods
      // get AWS access through IRSA; the LB controller is given region and VPC explicitly), and an
      // encrypted root volume whatever the account's EBS default.
      const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-nodes`,
        {
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeSize: nodeDiskSizeGiB,
                volumeType: "gp3",
                encrypted: "true",
                deleteOnTermination: "true",
              },
            },
          ],
          tagSpecifications: [
            {
              resourceType: "instance",
              tags: pulumi
                .output(tags)
                .apply((t) => ({ ...t, Name: `${name}-node` }) as Record<string, string>),
            },
          ],
          tags,
        },
        parent,
      );
      const nodeGroup = new eks.ManagedNodeGroup(
        `${name}-nodes`,
        {
          cluster,
          nodeRole,
          subnetIds: args.privateSubnetIds,
          instanceTypes: [nodeInstanceType],
          launchTemplate: {
            id: launchTemplate.id,
            version: pulumi.interpolate`${launchTemplate.latestVersion}`,
          },
          scalingConfig: { minSize: nodeMinSize, desiredSize: nodeDesiredSize, maxSize: nodeMaxSize },
          tags,
        },
        { parent: this, dependsOn: attachments },
      );

      this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
      this.provider = new k8s.Provider(
        `${name}-k8s`,
        { kubeconfig: this.kubeconfig, enableConfigMapMutable: true },
        { parent: this, dependsOn: [nodeGroup] },
      );
      clusterName = cluster.eksCluster.name;
      this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
      this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
      oidcProviderArn = cluster.oidcProviderArn;
      oidcIssuer = cluster.oidcIssuer;
      lbcDependsOn = [nodeGroup];
    } else {
      vpcId = args.vpcId;
      if (args.provider !== undefined) {
        this.provider = args.provider;
        this.kubeconfig = pulumi.output(undefined);
      } else {
        const kubeconfig = pulumi.secret(args.kubeconfig);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableConfigMapMutable: true }, parent);
        this.kubeconfig = kubeconfig;
      }
      clusterName = pulumi.output(args.clusterName);
      this.nodeSecurityGroupId = pulumi.output(args.nodeSecurityGroupId);
      this.clusterSecurityGroupId = pulumi.output(args.clusterSecurityGroupId);
      oidcProviderArn = pulumi.output(args.oidcProviderArn);
      oidcIssuer = pulumi.output(args.oidcIssuer);
    }

    this.loadBalancerController = undefined;
    if (installLbc) {
      const policy = new aws.iam.Policy(
        `${name}-lbc-policy`,
        { description: "AWS Load Balancer Controller", policy: LB_CONTROLLER_IAM_POLICY, tags },
        parent,
      );
      const role = new aws.iam.Role(
        `${name}-lbc-role`,
        {
          assumeRolePolicy: pulumi
            .all([oidcProviderArn, oidcIssuer])
            .apply(([arn, issuer]) =>
              irsaTrustPolicy(
                resolvedArg(`Cluster "${name}"`, "oidcProviderArn", arn),
                resolvedArg(`Cluster "${name}"`, "oidcIssuer", issuer),
                LB_CONTROLLER_NAMESPACE,
                LB_CONTROLLER_SERVICE_ACCOUNT,
              ),
            ),
          tags,
        },
        parent,
      );
      const attachment = new aws.iam.RolePolicyAttachment(
        `${name}-lbc-policy`,
        { role: role.name, policyArn: policy.arn },
        parent,
      );
      const region = aws.getRegionOutput({}, parent).region;
      this.loadBalancerController = new k8s.helm.v3.Release(
        `${name}-lbc`,
        {
          chart: "aws-load-balancer-controller",
          version: chartVersion,
          repositoryOpts: { repo: LB_CONTROLLER_CHART_REPO },
          namespace: LB_CONTROLLER_NAMESPACE,
          values: pulumi.all([clusterName, region, vpcId, role.arn]).apply(([cluster, reg, vpc, roleArn]) =>
            lbControllerValues({
              clusterName: resolvedArg(`Cluster "${name}"`, "clusterName", cluster),
              region: reg,
              vpcId: resolvedArg(`Cluster "${name}"`, "vpcId", vpc),
              roleArn,
            }),
          ),
        },
        { parent: this, provider: this.provider, dependsOn: [...lbcDependsOn, attachment] },
      );
    }

    this.clusterName = clusterName;
    this.oidcProviderArn = oidcProviderArn;
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      oidcProviderArn: this.oidcProviderArn,
    });
  }
}

/** Whether the args name an existing cluster (a kubeconfig or a provider) rather than a new one. */
function isExisting(args: ClusterArgs): args is ExistingClusterArgs {
  return args.kubeconfig !== undefined || args.provider !== undefined;
}

const CREATE_ONLY = [
  "privateSubnetIds",
  "kubernetesVersion",
  "endpointPublicAccess",
  "publicAccessCidrs",
  "enabledClusterLogTypes",
  "nodeInstanceType",
  "nodeDiskSizeGiB",
  "nodeMinSize",
  "nodeDesiredSize",
  "nodeMaxSize",
] as const;
const EXISTING_ONLY = [
  "clusterName",
  "nodeSecurityGroupId",
  "clusterSecurityGroupId",
  "oidcProviderArn",
  "oidcIssuer",
] as const;
const NODE_SIZE_ARGS = { min: "nodeMinSize", desired: "nodeDesiredSize", max: "nodeMaxSize" } as const;

/** Every arg of either mode; which mode may use which is checked after, with a message saying why. */
const clusterArgsShape = {
  vpcId: anyInput,
  privateSubnetIds: anyInput,
  kubernetesVersion: input(kubernetesVersionSchema),
  endpointPublicAccess: bool.optional(),
  publicAccessCidrs: z.array(publicAccessCidrSchema, { message: "must be a list of IPv4 CIDRs" }).optional(),
  enabledClusterLogTypes: input(clusterLogTypesSchema),
  nodeInstanceType: input(instanceTypeSchema),
  nodeDiskSizeGiB: input(nodeDiskSizeSchema),
  nodeMinSize: nodeCountSchema("the node group's minimum size").optional(),
  nodeDesiredSize: nodeCountSchema("the node group's desired size").optional(),
  nodeMaxSize: nodeCountSchema("the node group's maximum size").optional(),
  kubeconfig: anyInput,
  provider: anyInput,
  clusterName: anyInput,
  nodeSecurityGroupId: anyInput,
  clusterSecurityGroupId: anyInput,
  oidcProviderArn: anyInput,
  oidcIssuer: anyInput,
  installLoadBalancerController: bool.optional(),
  loadBalancerControllerChartVersion: anyInput,
  tags: anyInput,
} satisfies Record<keyof NewClusterArgs | keyof ExistingClusterArgs, z.ZodType>; // every arg, no other
const clusterArgsSchema = z.object(clusterArgsShape).strict();

/** Throws one error listing every problem of the args. */
function validateClusterArgs(name: string, args: ClusterArgs): void {
  const problems = argProblems(clusterArgsSchema, args);
  if (isExisting(args)) {
    if (args.kubeconfig !== undefined && args.provider !== undefined) {
      problems.push("give either kubeconfig or provider for an existing cluster, not both");
    }
    const createOnly = CREATE_ONLY.filter((k) => args[k] !== undefined);
    if (createOnly.length > 0) {
      problems.push(
        `${createOnly.join(", ")} cannot be combined with an existing cluster (kubeconfig/provider)`,
      );
    }
    if (args.installLoadBalancerController) {
      const missing = (["clusterName", "vpcId", "oidcProviderArn", "oidcIssuer"] as const).filter(
        (k) => args[k] === undefined,
      );
      if (missing.length > 0) {
        problems.push(`installLoadBalancerController on an existing cluster needs ${missing.join(", ")}`);
      }
    }
    throwIfProblems(TYPE, name, problems);
    return;
  }
  const existingOnly = EXISTING_ONLY.filter((k) => args[k] !== undefined);
  if (existingOnly.length > 0) {
    const verb = existingOnly.length === 1 ? "applies" : "apply";
    problems.push(`${existingOnly.join(", ")} only ${verb} to an existing cluster (kubeconfig/provider)`);
  }
  if (args.vpcId === undefined || args.privateSubnetIds === undefined) {
    problems.push(
      "give vpcId and privateSubnetIds for a new cluster, or kubeconfig or provider for an existing one",
    );
  }
  const cidrs = args.publicAccessCidrs;
  if (args.endpointPublicAccess === true && (cidrs === undefined || cidrs.length === 0)) {
    problems.push(
      "endpointPublicAccess=true needs publicAccessCidrs, and none are given (0.0.0.0/0 is not allowed)",
    );
  } else if (args.endpointPublicAccess !== true && cidrs !== undefined) {
    problems.push("publicAccessCidrs needs endpointPublicAccess: true");
  }
  const sizes = {
    min: args.nodeMinSize ?? CLUSTER_DEFAULTS.nodeMinSize,
    desired: args.nodeDesiredSize ?? CLUSTER_DEFAULTS.nodeDesiredSize,
    max: args.nodeMaxSize ?? CLUSTER_DEFAULTS.nodeMaxSize,
  };
  // The order is only meaningful between sizes that are whole numbers; the schema names the others.
  if (Object.values(sizes).every((n) => Number.isInteger(n))) {
    problems.push(...nodeSizeProblems(sizes, (key) => NODE_SIZE_ARGS[key]));
  }
  throwIfProblems(TYPE, name, problems);
}
