import policy from "./lb-controller-iam-policy.json";

/**
 * The AWS Load Balancer Controller's IAM policy, from kubernetes-sigs/aws-load-balancer-controller
 * `docs/install/iam_policy.json` at the release below (the version the EKS user guide installs).
 * The policy and the chart move together: newer controllers call APIs older policies do not allow
 * (e.g. `DescribeListenerAttributes`), so bump both at once.
 */
export const LB_CONTROLLER_POLICY_VERSION = "v2.14.1";
export const LB_CONTROLLER_IAM_POLICY: string = JSON.stringify(policy);
/** eks-charts `aws-load-balancer-controller` chart version that ships controller v2.14.1. */
export const LB_CONTROLLER_CHART_VERSION = "1.14.1";
export const LB_CONTROLLER_CHART_REPO = "https://aws.github.io/eks-charts";
export const LB_CONTROLLER_NAMESPACE = "kube-system";
export const LB_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

export interface LbControllerValuesInput {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly roleArn: string;
}

/**
 * Helm values for the controller. Region and VPC are given explicitly so the controller does not
 * depend on the instance metadata service (IMDSv2 hop limits break that discovery from pods).
 */
/**
 * An existing cluster's value the controller needs, once its Output resolved: the component requires the
 * arg, but a deferred value can still resolve to nothing, and an empty one would install a controller
 * that cannot find its cluster.
 */
export function resolvedArg(component: string, arg: string, value: string | undefined): string {
  if (value) return value;
  throw new Error(
    `${component}: ${arg}=${JSON.stringify(value) ?? "undefined"} must be set to install the load balancer controller into an existing cluster`,
  );
}

export function lbControllerValues(input: LbControllerValuesInput): Record<string, unknown> {
  return {
    clusterName: input.clusterName,
    region: input.region,
    vpcId: input.vpcId,
    // Two replicas with a PDB: the controller's webhooks sit in the path of Service changes.
    replicaCount: 2,
    podDisruptionBudget: { maxUnavailable: 1 },
    serviceAccount: {
      create: true,
      name: LB_CONTROLLER_SERVICE_ACCOUNT,
      annotations: { "eks.amazonaws.com/role-arn": input.roleArn },
    },
  };
}

/**
 * Trust policy for an IRSA role: only the given service account, through the cluster's OIDC
 * provider, with the STS audience. `issuer` is the provider URL without `https://`.
 */
export function irsaTrustPolicy(
  oidcProviderArn: string,
  issuer: string,
  namespace: string,
  serviceAccount: string,
): string {
  const host = issuer.replace(/^https:\/\//, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${host}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  });
}
