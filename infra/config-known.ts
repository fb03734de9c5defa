// Values the AWS provider knows (instance types, regions) and namespaces close to this project's:
// a near miss is an error naming the intended value; an unknown value far from all is only a warning,
// because AWS adds instance types and regions before the provider's lists have them.
import type * as awsProviderConfig from "@pulumi/aws/config/vars";
import { Region } from "@pulumi/aws/types/enums";
import { InstanceType } from "@pulumi/aws/types/enums/ec2";
import { distance } from "fastest-levenshtein";
import { nearMiss } from "../components/near-miss";
import { parseCidr } from "../components/aws/validate";
import { describeValue, NAMESPACE, type ConfigProblem } from "./config-problem";

const INSTANCE_TYPES: readonly string[] = Object.values(InstanceType);
const REGIONS: readonly string[] = Object.values(Region);
/** The shape of a region name (us-east-1, us-gov-west-1, ap-southeast-5); AWS adds regions of it. */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

// The AWS provider's config keys (`aws:region`, `aws:profile`, …), as its typings declare them: a
// record, so the compiler refuses a name the installed provider does not have, or one left out.
const AWS_KEYS: Readonly<Record<keyof typeof awsProviderConfig, true>> = {
  accessKey: true,
  allowedAccountIds: true,
  assumeRoleWithWebIdentity: true,
  assumeRoles: true,
  customCaBundle: true,
  defaultTags: true,
  ec2MetadataServiceEndpoint: true,
  ec2MetadataServiceEndpointMode: true,
  endpoints: true,
  forbiddenAccountIds: true,
  httpProxy: true,
  httpsProxy: true,
  ignoreTags: true,
  insecure: true,
  maxRetries: true,
  noProxy: true,
  profile: true,
  region: true,
  retryMode: true,
  s3UsEast1RegionalEndpoint: true,
  s3UsePathStyle: true,
  secretKey: true,
  sharedConfigFiles: true,
  sharedCredentialsFiles: true,
  skipCredentialsValidation: true,
  skipMetadataApiCheck: true,
  skipRegionValidation: true,
  skipRequestingAccountId: true,
  stsRegion: true,
  tagPolicyCompliance: true,
  token: true,
  tokenBucketRateLimiterCapacity: true,
  useDualstackEndpoint: true,
  useFipsEndpoint: true,
  userAgents: true,
};
const AWS_KEY_NAMES: readonly string[] = Object.keys(AWS_KEYS);

export interface KnownCheck {
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

function checkKnown(
  key: string,
  value: string,
  known: readonly string[],
  what: string,
  out: KnownCheck,
): void {
  if (known.includes(value)) return;
  const near = nearMiss(value, known);
  if (near !== undefined) {
    out.problems.push({
      key,
      received: describeValue(value),
      allowed: `is not ${what}; did you mean "${near}"?`,
    });
  } else {
    out.warnings.push(`${key}: "${value}" is not ${what} the AWS provider knows; check the spelling`);
  }
}

/**
 * Checks the raw stack config for keys in a namespace that looks like a typo of this project's
 * (`faktory:secondaries`), an unknown `aws:region`, and an unknown node instance type.
 */
export function knownValueProblems(
  raw: Readonly<Record<string, string>>,
  instanceType: string | undefined,
): KnownCheck {
  const out: KnownCheck = { problems: [], warnings: [] };
  for (const fullKey of Object.keys(raw)) {
    const [namespace, ...rest] = fullKey.split(":");
    if (rest.length === 0 || namespace === NAMESPACE) continue;
    if (distance(namespace, NAMESPACE) <= 3) {
      out.problems.push({
        key: fullKey,
        received: describeValue(raw[fullKey]),
        allowed: `unknown namespace "${namespace}"; this project's keys start with "${NAMESPACE}:" (${NAMESPACE}:${rest.join(":")})`,
      });
    }
  }
  out.problems.push(...awsNamespaceProblems(raw));
  const region = raw["aws:region"];
  if (region !== undefined && REGION_PATTERN.test(region)) {
    checkKnown("aws:region", region, REGIONS, "an AWS region", out);
  }
  if (instanceType !== undefined) {
    checkKnown(
      `${NAMESPACE}:cluster.instanceType`,
      instanceType,
      INSTANCE_TYPES,
      "an EC2 instance type",
      out,
    );
  }
  return out;
}

/**
 * The `aws:` namespace: the region is required and must be a region name (the provider would
 * otherwise fall back to the environment's, and deploy somewhere else); a key the AWS provider does
 * not know is a typo (`aws:regoin`), named with the key it was likely meant to be.
 */
function awsNamespaceProblems(raw: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const region = raw["aws:region"];
  if (region === undefined) {
    problems.push({
      key: "aws:region",
      received: "nothing",
      allowed:
        "is required: the AWS region to deploy to, e.g. `pulumi config set aws:region us-east-1` " +
        "(without it the provider takes the region of whoever runs pulumi)",
    });
  } else if (!REGION_PATTERN.test(region)) {
    const near = nearMiss(region, REGIONS);
    problems.push({
      key: "aws:region",
      received: describeValue(region),
      allowed: `must be an AWS region name such as us-east-1${near === undefined ? "" : `; did you mean "${near}"?`}`,
    });
  }
  for (const fullKey of Object.keys(raw)) {
    if (!fullKey.startsWith("aws:")) continue;
    const key = fullKey.slice("aws:".length);
    if (AWS_KEY_NAMES.includes(key)) continue;
    const near = nearMiss(key, AWS_KEY_NAMES);
    problems.push({
      key: fullKey,
      received: describeValue(raw[fullKey]),
      allowed: `is not a config key of the AWS provider${near === undefined ? `; its keys are ${AWS_KEY_NAMES.join(", ")}` : `; did you mean "aws:${near}"?`}`,
    });
  }
  return problems;
}

/**
 * `allowedCidrs` admits clients to Faktory beside the VPC; a range wider than the VPC (or all of
 * IPv4) opens the workload further than the network it runs in, which is legal (a peered or
 * on-premises range) but seldom meant: a warning naming the key and the range.
 */
export function allowedCidrWarnings(allowedCidrs: readonly string[], vpcCidr: string | undefined): string[] {
  const vpc = vpcCidr === undefined ? undefined : parseCidr(vpcCidr);
  return allowedCidrs.flatMap((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (parsed === undefined) return [];
    const key = `${NAMESPACE}:allowedCidrs[${i}]`;
    if (parsed.prefix === 0) {
      return [
        `${key}: "${cidr}" admits every IPv4 address to Faktory (behind an internal NLB, still every network routed to the VPC); name the client networks instead`,
      ];
    }
    if (vpc !== undefined && parsed.prefix < vpc.prefix) {
      return [
        `${key}: "${cidr}" is wider than the VPC (${vpcCidr}): it admits more than the network Faktory runs in; narrow it to the client networks`,
      ];
    }
    return [];
  });
}
