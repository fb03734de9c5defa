// The stand-in for AWS and the Kubernetes API: Pulumi's mock runtime, recording every registered
// resource (custom and component) with its inputs, its parent and its provider, and answering the
// invokes the components use. Unknown invoke tokens are recorded, not thrown: a throwing `call` mock
// becomes an unhandled rejection that loses its message. Used by the offline plan and by unit tests.
import * as pulumi from "@pulumi/pulumi";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** The URN the mock monitor assigned; it carries the parent's type chain. */
  readonly urn: string;
  /** The parent's URN; undefined for resources at the stack root. */
  readonly parentUrn: string | undefined;
  /** The parent's type token; undefined at the stack root. */
  readonly parentType: string | undefined;
  /** The parent's name; undefined at the stack root. */
  readonly parentName: string | undefined;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly provider: string | undefined;
}

export interface MockRuntime {
  readonly resources: RecordedResource[];
  /**
   * Every value the stand-in made up where the cloud would answer at deploy time (ARNs, endpoints,
   * image digests, zone ids, a VPC's CIDR); the plan marks them in what it writes.
   */
  readonly standIns: ReadonlySet<string>;
  readonly unknownCalls: string[];
  /** Every invoke the program made, answered or not, in order. */
  readonly calls: { readonly token: string; readonly inputs: Record<string, unknown> }[];
  ofType(type: string): RecordedResource[];
  one(type: string, name?: string): RecordedResource;
}

/** AWS's documentation account id: never a real one. */
const ACCOUNT = "123456789012";
/** Unit tests that set no region get this one. */
const DEFAULT_REGION = "us-east-1";
/** The random 8 characters the Kubernetes provider appends to an auto-named object, as the stand-in writes them. */
export const AUTO_NAME_SUFFIX = "0a1b2c3d";

const DIRECTIONS: Record<string, string> = {
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};
/** The short form AWS uses in zone ids and ElastiCache endpoints: `eu-west-1` → `euw1`. */
export function regionCode(region: string): string {
  const [area = "", direction = "", number = ""] = region.split("-");
  return `${area}${DIRECTIONS[direction] ?? direction}${number}`;
}

/** What the stand-in returns as a generated password; the plan redacts any string containing it. */
export function generatedSecret(resourceName: string): string {
  return `generated-${resourceName}-secret-value`;
}

/** Without metadata.name the Kubernetes provider auto-names: `<resource name>-<8 random chars>`. */
export function kubernetesAutoName(resourceName: string): string {
  return `${resourceName}-${AUTO_NAME_SUFFIX}`;
}

/** Where the stand-in's answers are: the stack's region, and the record of every value it made up. */
interface Cloud {
  readonly region: string;
  readonly azs: readonly string[];
  /** Records `value` as made up and returns it. */
  made<T extends string>(value: T): T;
}

/** Outputs a real provider would return that the components read back. */
function stateFor(
  cloud: Cloud,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const { region, made } = cloud;
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: generatedSecret(name) };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return {
        ...inputs,
        primaryEndpointAddress: made(`master.${name}.abc123.${regionCode(region)}.cache.amazonaws.com`),
        port: 6379,
        // ElastiCache names the nodes of a cluster-mode-disabled group `<group id>-001`, `-002`, …
        memberClusters: [...Array(Number(inputs.numCacheClusters ?? 1)).keys()].map(
          (i) => `${name}-id-${String(i + 1).padStart(3, "0")}`,
        ),
      };
    case "aws:sns/topic:Topic":
      return { ...inputs, name: inputs.name ?? name, arn: made(`arn:aws:sns:${region}:${ACCOUNT}:${name}`) };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return {
        ...inputs,
        name: inputs.name ?? name,
        arn: made(`arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`),
      };
    case "aws:elasticache/parameterGroup:ParameterGroup":
    case "aws:elasticache/subnetGroup:SubnetGroup":
      // Autonamed: the provider returns the generated name, which the replication group references.
      return { ...inputs, name: inputs.name ?? name };
    case "aws:iam/role:Role":
      return { ...inputs, name: inputs.name ?? name, arn: made(`arn:aws:iam::${ACCOUNT}:role/${name}`) };
    case "aws:iam/policy:Policy":
      return { ...inputs, name: inputs.name ?? name, arn: made(`arn:aws:iam::${ACCOUNT}:policy/${name}`) };
    case "aws:ec2/vpc:Vpc":
      return { ...inputs, arn: made(`arn:aws:ec2:${region}:${ACCOUNT}:vpc/${name}`) };
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
        oidcProviderArn: made(
          `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${region}.amazonaws.com/id/${name}`,
        ),
        oidcProviderUrl: made(`oidc.eks.${region}.amazonaws.com/id/${name}`),
        oidcIssuer: made(`oidc.eks.${region}.amazonaws.com/id/${name}`),
      };
    case "aws:ecr/repository:Repository":
      return { ...inputs, repositoryUrl: made(`${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}`) };
    case "docker-build:index:Image":
      return {
        ...inputs,
        ref: made(`${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}@sha256:${"a".repeat(64)}`),
        digest: made(`sha256:${"a".repeat(64)}`),
      };
    case "kubernetes:core/v1:Secret": {
      const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
      if (metadata.name !== undefined) return { ...inputs };
      return { ...inputs, metadata: { ...metadata, name: kubernetesAutoName(name) } };
    }
    case "kubernetes:core/v1:Service": {
      // The AWS Load Balancer Controller writes the NLB's DNS name into a LoadBalancer Service's status.
      const spec = inputs.spec as { type?: string } | undefined;
      if (spec?.type !== "LoadBalancer") return { ...inputs };
      const hostname = made(`k8s-${name}-0123456789.elb.${region}.amazonaws.com`);
      return { ...inputs, status: { loadBalancer: { ingress: [{ hostname }] } } };
    }
    default:
      return { ...inputs };
  }
}

function callResult(
  cloud: Cloud,
  token: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const { region, azs, made } = cloud;
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: azs,
        zoneIds: azs.map((_, i) => made(`${regionCode(region)}-az${i + 1}`)),
        state: "available",
      };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/plan`, userId: "plan" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return { json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) };
    case "aws:ec2/getVpc:getVpc":
      return {
        id: inputs.id,
        cidrBlock: made("10.99.0.0/16"),
        arn: made(`arn:aws:ec2:${region}:${ACCOUNT}:vpc/${String(inputs.id)}`),
      };
    case "aws:ec2/getSubnet:getSubnet":
      return { id: inputs.id, availabilityZone: azs[0], vpcId: "vpc-existing" };
    case "aws:lb/getLoadBalancer:getLoadBalancer":
    case "aws:lb/getTargetGroup:getTargetGroup": {
      // What the AWS Load Balancer Controller tagged for a Service: found by those tags.
      const tags = (inputs.tags ?? {}) as Record<string, string>;
      const stack = (tags["service.k8s.aws/stack"] ?? "none/none").replace("/", "-");
      const port = (tags["service.k8s.aws/resource"] ?? "").split(":")[1];
      const suffix =
        token === "aws:lb/getLoadBalancer:getLoadBalancer"
          ? `net/k8s-${stack}/0123456789abcdef`
          : `targetgroup/k8s-${stack}-${port}/fedcba9876543210`;
      return {
        arn: made(
          `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:${suffix.startsWith("net/") ? "loadbalancer/" : ""}${suffix}`,
        ),
        arnSuffix: made(suffix),
        tags,
      };
    }
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        authorizationToken: "bW9jazptb2Nr",
        userName: "AWS",
        password: "mock-ecr-password",
        proxyEndpoint: made(`https://${ACCOUNT}.dkr.ecr.${region}.amazonaws.com`),
        expiresAt: "2099-01-01T00:00:00Z",
      };
    default:
      return undefined;
  }
}

const lastSegment = (urn: string) => urn.split("::").pop() ?? "";
const typeOfUrn = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop();

/**
 * Installs the mocks and returns the recorder. Call once per process (per test file), before the
 * program is imported or any resource is created.
 */
export function setupMocks(
  options: { project?: string; stack?: string; preview?: boolean; region?: string } = {},
): MockRuntime {
  const project = options.project ?? "faktory-ha";
  const stack = options.stack ?? "test";
  const region = options.region ?? DEFAULT_REGION;
  const standIns = new Set<string>();
  const cloud: Cloud = {
    region,
    azs: [`${region}a`, `${region}b`, `${region}c`],
    made: (value) => {
      standIns.add(value);
      return value;
    },
  };
  const resources: RecordedResource[] = [];
  const unknownCalls: string[] = [];
  const calls: MockRuntime["calls"] = [];
  // The `newResource` mock is not told the parent; the monitor's request is. Remember it per
  // (type, name), which Pulumi requires to be unique within a stack.
  const parents = new Map<string, string | undefined>();
  const urns = new Map<string, string>();
  const keyOf = (type: string, name: string) => `${type}::${name}`;

  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const key = keyOf(args.type, args.name);
        resources.push({
          type: args.type,
          name: args.name,
          get urn() {
            return urns.get(key) ?? "";
          },
          get parentUrn() {
            return parents.get(key);
          },
          get parentType() {
            const parent = parents.get(key);
            return parent ? typeOfUrn(parent) : undefined;
          },
          get parentName() {
            const parent = parents.get(key);
            return parent ? lastSegment(parent) : undefined;
          },
          custom: args.custom ?? true,
          inputs: args.inputs as Record<string, unknown>,
          provider: args.provider,
        });
        return {
          id: args.custom === false ? undefined : `${args.name}-id`,
          state: stateFor(cloud, args.type, args.name, args.inputs as Record<string, unknown>),
        };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        const result = callResult(cloud, args.token, args.inputs as Record<string, unknown>);
        if (result === undefined) {
          unknownCalls.push(args.token);
          return {};
        }
        return result;
      },
    },
    project,
    stack,
    options.preview ?? false,
  );

  type Request = { getType(): string; getName(): string; getParent(): string };
  const monitor = getMonitor() as unknown as {
    registerResource(
      req: Request,
      cb: (err: unknown, res: { getUrn(): string } | undefined) => void,
    ): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const key = keyOf(req.getType(), req.getName());
    parents.set(key, req.getParent() || undefined);
    return register(req, (err, res) => {
      if (res) urns.set(key, res.getUrn());
      cb(err, res);
    });
  };

  return {
    resources,
    standIns,
    unknownCalls,
    calls,
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

/** Whether a value received by the mock is a secret-wrapped input. */
export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** Removes the mock runtime's secret wrappers so inputs can be compared structurally. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*):\/\/([^\s:/@]*):[^\s/@]+@/gi;

/**
 * Replaces secrets with a marker, for anything shown or written: every secret-wrapped value, whole
 * (Pulumi lifts secrecy to the enclosing structure, so the secret leaf inside cannot be told apart),
 * and any string that contains one of `knownSecrets`.
 */
export function redactSecrets(
  value: unknown,
  knownSecrets: readonly string[] = [],
  marker = "[secret]",
): unknown {
  const redact = (v: unknown): unknown => {
    if (isSecretWrapper(v)) return marker;
    if (typeof v === "string") {
      if (knownSecrets.some((s) => s.length > 0 && v.includes(s))) return marker;
      // A password in a URL's userinfo (redis://:token@host) is a secret even where nobody marked it.
      return v.replace(
        URL_CREDENTIALS,
        (_m, scheme: string, user: string) => `${scheme}://${user}:${marker}@`,
      );
    }
    if (Array.isArray(v)) return v.map(redact);
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
    return v;
  };
  return redact(value);
}

/** Whether a value holds a secret-wrapped input anywhere inside. */
export function containsSecret(value: unknown): boolean {
  if (isSecretWrapper(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

/** Every scalar found directly inside a secret wrapper: values a program marked secret. */
export function secretScalars(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (isSecretWrapper(value)) {
    if (value.value !== null && typeof value.value === "object") secretScalars(value.value, found);
    else if (value.value !== undefined && value.value !== null) found.add(String(value.value));
  } else if (Array.isArray(value)) {
    value.forEach((v) => secretScalars(v, found));
  } else if (value !== null && typeof value === "object") {
    Object.values(value).forEach((v) => secretScalars(v, found));
  }
  return found;
}
