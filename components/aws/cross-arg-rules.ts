// Rules relating several args of the AWS components, written once for the component (names like
// `nodeMinSize`) and the stack config (names like `faktory-ha:cluster.minNodes`): each takes the
// values and a callback naming them, and returns messages that read on their own.
import { parameterGroupFamily, SUPPORTED_MAJORS } from "./redis-config";
import type { RedisEngine } from "./defaults";

export interface NodeSizes {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

/** The node group's sizes must be ordered: min ≤ desired ≤ max. */
export function nodeSizeProblems(sizes: NodeSizes, name: (key: keyof NodeSizes) => string): string[] {
  if (sizes.min <= sizes.desired && sizes.desired <= sizes.max) return [];
  const n = (key: keyof NodeSizes) => `${name(key)} (${sizes[key]})`;
  return [`node group sizes must satisfy ${n("min")} ≤ ${n("desired")} ≤ ${n("max")}`];
}

/** A problem of one arg, as the caller names it, and what it must be: `<key> <rule>` reads as a sentence. */
export interface ArgRuleProblem {
  readonly key: string;
  readonly rule: string;
}

/** The engine version must be `<major>.<minor>` with a major this project supports for the engine. */
export function engineVersionProblems(
  given: { readonly engine: RedisEngine; readonly engineVersion?: string },
  name: (key: "engine" | "engineVersion") => string,
): ArgRuleProblem[] {
  const { engine, engineVersion } = given;
  if (engineVersion === undefined || parameterGroupFamily(engine, engineVersion) !== undefined) return [];
  return [
    {
      key: name("engineVersion"),
      rule: `must be <major>.<minor> with major ${SUPPORTED_MAJORS[engine].join(" or ")} for ${name("engine")} ${JSON.stringify(engine)}`,
    },
  ];
}

/** A new replication group is seeded from one source: a named snapshot or RDB files in S3, not both. */
export function restoreSourceProblems(
  given: { readonly snapshotName: boolean; readonly rdbArns: boolean },
  name: (key: "snapshotName" | "rdbArns") => string,
): ArgRuleProblem[] {
  if (!given.snapshotName || !given.rdbArns) return [];
  return [
    {
      key: name("rdbArns"),
      rule: `must be left out with ${name("snapshotName")}: a replication group is restored from one source`,
    },
  ];
}

/** E-mail subscriptions are made only on a topic the Alarms component creates, not on a given one. */
export function alarmTopicProblems(
  given: { readonly arn: boolean; readonly emails: readonly string[] },
  name: (key: "arn" | "emails") => string,
): ArgRuleProblem[] {
  if (!given.arn || given.emails.length === 0) return [];
  return [
    {
      key: name("emails"),
      rule:
        `must be empty with ${name("arn")}: e-mail subscriptions are made only on a topic ` +
        "faktory-ha creates; subscribe the addresses to your existing topic instead",
    },
  ];
}
