// Stack config → one typed, validated object. Pure: the caller hands in the raw `faktory-ha:*`
// values (strings, as Pulumi stores them) and which keys are secret; every problem is reported at
// once, each naming the key, the value received and what is allowed, before any resource exists.
import { z } from "zod";
import {
  plainKeys,
  plainSchema,
  REDIS_EXISTING_URL,
  SECRET_CONFIG_KEYS,
  type SecretKey,
} from "./config-schema";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import { valueAt } from "../components/arg-schema";
import { keysAt, schemaAt, shapeOf } from "../components/schema-shape";
import { nearMiss } from "../components/near-miss";
import { allowedCidrWarnings, knownValueProblems } from "./config-known";
import { crossKeyProblems } from "./config-rules";
import { describeValue, NAMESPACE, StackConfigError, type ConfigProblem } from "./config-problem";
import type { ExistingRedis, Secrets, StackConfig } from "./stack-config";

export { StackConfigError, type ConfigProblem } from "./config-problem";

/** Keys whose raw value is a plain string (not JSON): `1.31` must stay "1.31", not 1.31. */
const STRING_KEYS = new Set([
  "environment",
  "edition",
  "namespace",
  "faktoryImage",
  "image",
  "cronFile",
  "priorityClassName",
  "existingSecret",
]);

function decode(key: string, raw: string): unknown {
  if (STRING_KEYS.has(key)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function keyName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return `${NAMESPACE}:${head}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
}

/** `inBranch`: the issues are already those of the union shape the value meant (no second pick). */
function problemsFrom(
  issues: readonly z.core.$ZodIssue[],
  values: Record<string, unknown>,
  inBranch = false,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const parent = valueAt(values, issue.path);
      const mixed = mixedBranches(issue.path, parent);
      if (mixed) {
        out.push({ key: keyName(issue.path), received: describeValue(parent), allowed: mixed });
        continue;
      }
      // zod may answer a union with one shape's unknown keys, not necessarily the shape meant.
      const meant = inBranch ? undefined : closestBranchIssues(issue.path, parent);
      if (meant !== undefined) {
        out.push(...problemsFrom(meant, values, true));
        continue;
      }
      const allowed =
        issue.path.length === 0
          ? [...Object.keys(plainKeys), ...SECRET_CONFIG_KEYS]
          : allowedKeysAt(issue.path, parent);
      for (const key of issue.keys) {
        out.push({
          key: keyName([...issue.path, key]),
          received: describeValue((parent as Record<string, unknown> | undefined)?.[key]),
          allowed: unknownKeyProblem(key, allowed, issue.path.length === 0),
        });
      }
      continue;
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // The network key is either "create a VPC" or "bring your own": explain the branch the user meant.
      const given = valueAt(values, issue.path);
      const mixed = mixedBranches(issue.path, given);
      if (mixed) {
        out.push({ key: keyName(issue.path), received: describeValue(given), allowed: mixed });
        continue;
      }
      const branch = issue.errors[closestBranch(issue.path, given)] ?? issue.errors[0];
      out.push(
        ...problemsFrom(
          branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
          values,
          true,
        ),
      );
      continue;
    }
    out.push({
      key: keyName(issue.path),
      received: describeValue(valueAt(values, issue.path)),
      allowed: issue.message,
    });
  }
  return out;
}

/** Why a key is unknown: the key it was likely meant to be, else every allowed key (never none). */
function unknownKeyProblem(key: string, allowed: readonly string[], topLevel: boolean): string {
  const [head, ...rest] = key.split(".");
  if (topLevel && rest.length > 0 && allowed.includes(head)) {
    return (
      `unknown key: a dot at the top level does not nest; set it with \`pulumi config set --path ${NAMESPACE}:${key} <value>\`, ` +
      `which writes ${NAMESPACE}:${head}: { ${rest.join(".")}: <value> } into the stack file`
    );
  }
  const near = nearMiss(key, allowed);
  if (near !== undefined) return `unknown key; did you mean "${near}"?`;
  return `unknown key; allowed keys are ${allowed.join(", ")}`;
}

/** The keys of each shape of the union at `path`; empty when the schema there is not a union. */
function unionBranches(path: readonly PropertyKey[]): string[][] {
  const options = schemaAt(plainSchema, path)?.def?.options;
  return Array.isArray(options) ? options.map((o) => Object.keys(shapeOf(o) ?? {})) : [];
}

/**
 * Which shape of a union the given value meant: the one most of its keys belong to, counting a
 * near miss (`privateSubnetIDs`) as belonging, so a typo does not switch the blame to the other shape.
 */
function closestBranch(path: readonly PropertyKey[], given: unknown): number {
  const keys = given !== null && typeof given === "object" ? Object.keys(given) : [];
  const scores = unionBranches(path).map(
    (branch) => keys.filter((k) => branch.includes(k) || nearMiss(k, branch) !== undefined).length,
  );
  const best = Math.max(0, ...scores);
  return Math.max(0, scores.indexOf(best));
}

/** The issues of the union shape the value at `path` meant, with full paths; undefined outside a union. */
function closestBranchIssues(path: readonly PropertyKey[], given: unknown): z.core.$ZodIssue[] | undefined {
  const options = schemaAt(plainSchema, path)?.def?.options;
  if (!Array.isArray(options)) return undefined;
  const branch: unknown = options[closestBranch(path, given)];
  if (!(branch instanceof z.ZodType)) return undefined;
  const parsed = branch.safeParse(given);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ ...i, path: [...path, ...i.path] }));
}

/** The keys allowed at `path`; inside a union, those of the shape the value meant. */
function allowedKeysAt(path: readonly PropertyKey[], given: unknown): string[] {
  const branches = unionBranches(path);
  return branches.length > 0 ? (branches[closestBranch(path, given)] ?? []) : keysAt(plainSchema, path);
}

/**
 * When a value mixes keys of two shapes of a union (`vpcId` with `natGateways`), says which keys
 * belong together; undefined when it does not.
 */
function mixedBranches(path: readonly PropertyKey[], given: unknown): string | undefined {
  if (given === null || typeof given !== "object") return undefined;
  const options = schemaAt(plainSchema, path)?.def?.options;
  if (!Array.isArray(options)) return undefined;
  const branches = options.map((o) => Object.keys(shapeOf(o) ?? {}));
  const keys = Object.keys(given);
  const used = branches.filter((b) => keys.some((k) => b.includes(k)));
  if (used.length < 2) return undefined;
  return `mixes keys of different shapes; use either ${used.map((b) => `{ ${b.join(", ")} }`).join(" or ")}, not both`;
}

/**
 * Takes `redis.existingUrl` (a secret inside the `redis` key) out of the values before they are parsed,
 * so no message can repeat it; with it, the keys that describe an ElastiCache to create are refused.
 */
function takeExistingRedisUrl(
  values: Record<string, unknown>,
  secretKeys: ReadonlySet<string>,
  problems: ConfigProblem[],
): ExistingRedis | undefined {
  const redis = values.redis;
  if (redis === null || typeof redis !== "object" || !(REDIS_EXISTING_URL in redis)) return undefined;
  const { [REDIS_EXISTING_URL]: url, ...rest } = redis as Record<string, unknown>;
  delete values.redis;
  const key = `${NAMESPACE}:redis.${REDIS_EXISTING_URL}`;
  if (!secretKeys.has(`${NAMESPACE}:redis`)) {
    problems.push({
      key,
      received: "a plaintext value (not shown)",
      allowed: `must be encrypted: run \`pulumi config set --secret --path ${key} <redis-url>\``,
    });
  }
  if (typeof url !== "string" || url.trim() === "") {
    problems.push({
      key,
      received: "a value that is not a non-empty string (not shown)",
      allowed:
        "must be the URL of the Redis to use, such as rediss://:<token>@my-redis.example.internal:6379",
    });
  }
  for (const [other, value] of Object.entries(rest)) {
    problems.push({
      key: `${NAMESPACE}:redis.${other}`,
      received: describeValue(value),
      allowed: `must not be set with ${key}: an existing Redis is used, no ElastiCache is created; remove ${other} or existingUrl`,
    });
  }
  return typeof url === "string" ? { existingUrl: url } : undefined;
}

/**
 * Parses raw stack config (`{ "faktory-ha:secondaries": "2", ... }`; other namespaces are ignored)
 * into a `StackConfig`, or throws one `StackConfigError` listing every problem.
 */
export function parseStackConfig(
  raw: Readonly<Record<string, string>>,
  secretKeys: ReadonlySet<string>,
): StackConfig {
  const values: Record<string, unknown> = {};
  const secrets: Secrets = {};
  const problems: ConfigProblem[] = [];
  for (const [fullKey, rawValue] of Object.entries(raw)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) {
      if (!secretKeys.has(fullKey)) {
        problems.push({
          key: fullKey,
          received: "a plaintext value (not shown)",
          allowed: `must be encrypted: run \`pulumi config set --secret ${fullKey} <value>\``,
        });
      }
      secrets[key as SecretKey] = rawValue;
      continue;
    }
    values[key] = decode(key, rawValue);
  }

  const existingRedis = takeExistingRedisUrl(values, secretKeys, problems);
  const parsed = plainSchema.safeParse(values);
  if (!parsed.success) problems.push(...problemsFrom(parsed.error.issues, values));
  const known = knownValueProblems(raw, parsed.success ? parsed.data.cluster?.instanceType : undefined);
  problems.push(...known.problems);
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);

  const plain = parsed.data;
  const secondaries = plain.secondaries ?? FAKTORY_DEFAULTS.secondaries[plain.edition];
  const warnings = [
    ...known.warnings,
    ...allowedCidrWarnings(
      plain.allowedCidrs,
      "vpcCidr" in plain.network ? plain.network.vpcCidr : undefined,
    ),
  ];
  if (plain.environment === "prod" && secondaries === 0) {
    warnings.push(
      `${NAMESPACE}:secondaries: 0 in prod: no hot standby, so every restart of the Faktory pod stops enqueueing until it is back`,
    );
  }
  const config: StackConfig = {
    ...plain,
    secondaries,
    redis: existingRedis ?? plain.redis,
    secrets,
    warnings,
  };
  const crossProblems = crossKeyProblems(config, values);
  if (crossProblems.length > 0) throw new StackConfigError(crossProblems);
  return config;
}
