// Values the AWS provider knows (instance types, regions) and namespaces close to this project's:
// a near miss is an error naming the intended value; an unknown value far from all is only a warning,
// because AWS adds instance types and regions before the provider's lists have them.
import { Region } from "@pulumi/aws/types/enums";
import { InstanceType } from "@pulumi/aws/types/enums/ec2";
import { closest, distance } from "fastest-levenshtein";
import { describeValue, NAMESPACE, type ConfigProblem } from "./config-problem";

const INSTANCE_TYPES: readonly string[] = Object.values(InstanceType);
const REGIONS: readonly string[] = Object.values(Region);
/** Edits that still read as a typo of a known value (t3.lrage → t3.large is 2). */
const NEAR = 2;

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
  const near = closest(value, [...known]);
  if (distance(value, near) <= NEAR) {
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
  const region = raw["aws:region"];
  if (region !== undefined) checkKnown("aws:region", region, REGIONS, "an AWS region", out);
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
