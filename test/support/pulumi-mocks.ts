// One mock runtime for every unit test that evaluates Pulumi resources. It records each registered
// resource (custom and component) with its inputs, answers the invokes the components use, and
// records unknown invoke tokens instead of throwing (a throwing `call` mock turns into an unhandled
// rejection that loses its message).
import * as pulumi from "@pulumi/pulumi";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The type token of the parent, from the URN's type chain; undefined at the stack root. */
  readonly parentType: string | undefined;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly provider: string | undefined;
}

export interface MockRuntime {
  readonly resources: RecordedResource[];
  readonly unknownCalls: string[];
  ofType(type: string): RecordedResource[];
  one(type: string, name?: string): RecordedResource;
}

const azs = ["us-east-1a", "us-east-1b", "us-east-1c"];

/** Outputs a real provider would return that the components read back. */
function stateFor(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: `generated-${name}-secret-value` };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return { ...inputs, primaryEndpointAddress: `${name}.cache.example.internal`, port: 6379 };
    case "aws:ec2/vpc:Vpc":
      return { ...inputs, arn: `arn:aws:ec2:us-east-1:123456789012:vpc/${name}` };
    case "eks:index:Cluster":
      return {
        ...inputs,
        kubeconfigJson: JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [], users: [] }),
        eksCluster: {
          name: `${name}-eks`,
          id: `${name}-eks`,
          vpcConfig: { clusterSecurityGroupId: "sg-cluster" },
        },
        clusterSecurityGroupId: "sg-cluster",
        nodeSecurityGroupId: "sg-nodes",
        oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/${name}`,
        oidcProviderUrl: `oidc.eks.us-east-1.amazonaws.com/id/${name}`,
        oidcIssuer: `oidc.eks.us-east-1.amazonaws.com/id/${name}`,
      };
    case "aws:ecr/repository:Repository":
      return { ...inputs, repositoryUrl: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}` };
    case "docker-build:index:Image":
      return {
        ...inputs,
        ref: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}@sha256:${"a".repeat(64)}`,
        digest: `sha256:${"a".repeat(64)}`,
      };
    default:
      return { ...inputs };
  }
}

function parentTypeFromUrn(urn: string): string | undefined {
  // urn:pulumi:<stack>::<project>::<parent$...$type>::<name>
  const typeChain = urn.split("::")[2] ?? "";
  const parts = typeChain.split("$");
  return parts.length > 1 ? parts[parts.length - 2] : undefined;
}

/**
 * The URN the mock monitor assigned (it carries the parent's type chain, which the `newResource`
 * mock is not told). Resolved lazily: registration finishes after `newResource` returns.
 */
function urnOf(type: string, name: string): string {
  const monitor = getMonitor() as unknown as { getRegisteredResources?: () => Map<string, unknown> };
  const urns = [...(monitor.getRegisteredResources?.().keys() ?? [])];
  const match = urns.filter((urn) => {
    const [, , chain, resourceName] = urn.split("::");
    return resourceName === name && chain.split("$").pop() === type;
  });
  if (match.length !== 1) throw new Error(`no unique URN for ${type} ${name} (found ${match.length})`);
  return match[0];
}

/** Installs the mocks. Call once per test file, before importing the program or creating resources. */
export function setupMocks(
  options: { project?: string; stack?: string; preview?: boolean } = {},
): MockRuntime {
  const project = options.project ?? "faktory-ha";
  const stack = options.stack ?? "test";
  const resources: RecordedResource[] = [];
  const unknownCalls: string[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string | undefined;
        state: Record<string, unknown>;
      } {
        resources.push({
          type: args.type,
          name: args.name,
          get urn() {
            return urnOf(args.type, args.name);
          },
          get parentType() {
            return parentTypeFromUrn(urnOf(args.type, args.name));
          },
          custom: args.custom ?? true,
          inputs: args.inputs as Record<string, unknown>,
          provider: args.provider,
        });
        return {
          id: args.custom === false ? undefined : `${args.name}-id`,
          state: stateFor(args.type, args.name, args.inputs),
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        switch (args.token) {
          case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: azs, zoneIds: azs.map((_, i) => `use1-az${i + 1}`), state: "available" };
          case "aws:index/getRegion:getRegion":
            return { name: "us-east-1", region: "us-east-1", id: "us-east-1" };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/test", userId: "test" };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com" };
          case "aws:iam/getPolicyDocument:getPolicyDocument":
            return {
              json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }),
            };
          case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
              authorizationToken: "QVdTOmVjci10b2tlbg==",
              userName: "AWS",
              password: "ecr-token",
              proxyEndpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
              expiresAt: "2099-01-01T00:00:00Z",
              id: "us-east-1",
              region: "us-east-1",
            };
          case "aws:ec2/getSubnet:getSubnet":
            return { id: args.inputs.id, availabilityZone: azs[0], vpcId: "vpc-existing" };
          default:
            unknownCalls.push(args.token);
            return {};
        }
      },
    },
    project,
    stack,
    options.preview ?? false,
  );
  return {
    resources,
    unknownCalls,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type, name) {
      const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
      if (found.length !== 1) {
        const seen = resources.map((r) => `${r.type} ${r.name}`).join("\n  ");
        throw new Error(
          `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}; registered:\n  ${seen}`,
        );
      }
      return found[0];
    },
  };
}

export { parentTypeFromUrn };

/** Resolves an Output (or Input) to its plain value; use it instead of asserting inside `apply`. */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return new Promise<T>((resolve) => pulumi.output(input).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/**
 * Removes the mock runtime's secret wrappers (`{ [specialSigKey]: specialSecretSig, value }`) so
 * inputs can be compared structurally. Returns the value and whether any secret was found.
 */
export function unwrapSecrets(value: unknown): unknown {
  const sigKey = pulumi.runtime.specialSigKey;
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[sigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Whether a value (as received by the mock) holds a secret-wrapped input anywhere inside. */
export function containsSecret(value: unknown): boolean {
  const sigKey = pulumi.runtime.specialSigKey;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[sigKey] === pulumi.runtime.specialSecretSig) return true;
    return Object.values(obj).some(containsSecret);
  }
  return false;
}
