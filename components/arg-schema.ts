// Zod building blocks the components' arg schemas share (numbers in a range, one of a list, plain
// values beside Pulumi Outputs) and the one way their problems become messages. Internal: the
// components' public types are plain interfaces; each component ties its interface to its schema
// shape with `satisfies Record<keyof Args, z.ZodType>` (every arg, and no other).
import { z } from "zod";
import { unknownKeyHint } from "./near-miss";
import { keysAt } from "./schema-shape";

/** A whole number in [min, max] (or ≥ min), described as `what`. */
export const int = (what: string, min: number, max?: number) => {
  const message = `must be ${what}: an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}`;
  const n = z.number({ message }).int({ message }).min(min, { message });
  return max === undefined ? n : n.max(max, { message });
};
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
export const bool = z.boolean({ message: "must be true or false" });

/** Whether an Input is a value known only at deployment (an Output or a promise), not checked up front. */
export const isDeferred = (value: unknown): boolean =>
  value !== null &&
  typeof value === "object" &&
  (typeof (value as { apply?: unknown }).apply === "function" ||
    typeof (value as { then?: unknown }).then === "function");

/**
 * An optional Input arg: checked by `schema` when it is a plain value, passed when it is absent or
 * an Output or promise (known only at deployment).
 */
export const input = (schema: z.ZodType = z.unknown()) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined || isDeferred(value)) return;
      const parsed = schema.safeParse(value);
      if (parsed.success) return;
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      }
    })
    .optional();

/** Any optional Input arg the component passes through unchecked (tags, KMS keys, provider objects). */
export const anyInput = input();

/** A required Input arg (JavaScript callers can leave it out): present, plain or deferred. */
export const requiredInput = (what: string) =>
  z.unknown().refine((value) => value !== undefined, { message: `is required: ${what}` });

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** `thresholds.memoryPercent`, `publicAccessCidrs[0]`. */
export function argPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === "number") return `[${p}]`;
      const s = String(p);
      if (IDENTIFIER.test(s)) return i === 0 ? s : `.${s}`;
      return `[${JSON.stringify(s)}]`;
    })
    .join("");
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const segment of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[segment as string];
  }
  return cur;
}

/**
 * The value received, to repeat after the arg path (`=500`, `="agent"`): numbers, booleans and short
 * one-line text. Nothing for an absent value, an Output, an object or list, or long or multi-line
 * text. A secret is never passed here.
 */
export function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return `=${String(value)}`;
  if (typeof value === "string" && value.length <= 80 && !value.includes("\n")) {
    return `=${JSON.stringify(value)}`;
  }
  return "";
}

/**
 * Zod issues as messages: the arg path, the value received and the predicate,
 * `lease.ttlMs=500 must be …`; an arg or key that is not taken (a JavaScript caller, a typo) as
 * `cidr is not a known arg; did you mean "cidrBlock"?`.
 */
function issueMessages(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  prefix: readonly PropertyKey[],
  schema: unknown,
): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      const what = prefix.length + issue.path.length === 0 ? "arg" : "key";
      return issue.keys.map(
        (key) =>
          `${argPath([...prefix, ...issue.path, key])} is not a known ${what}${unknownKeyHint(key, known, `${what}s`)}`,
      );
    }
    const path = argPath([...prefix, ...issue.path]);
    return [`${path === "" ? "args" : path}${shown(valueAt(root, issue.path))} ${issue.message}`];
  });
}

/**
 * Parses one arg (or, at path [], all of them); its problems name the arg path and the value received:
 * `lease.ttlMs=500 must be the lease ttl in ms: an integer from 1000 to 3600000`.
 */
export function parseArg<T extends z.ZodType>(
  path: string | readonly PropertyKey[],
  schema: T,
  value: unknown,
): { ok: true; value: z.output<T> } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: issueMessages(parsed.error.issues, value, typeof path === "string" ? [path] : path, schema),
  };
}

/**
 * Checks args against an object schema; one message per problem, every problem at once, as
 * `parseArg`. A strict schema reports the args it does not take; a plain one checks only its keys.
 */
export function argProblems(schema: z.ZodType, args: unknown): string[] {
  const parsed = parseArg([], schema, args ?? {});
  return parsed.ok ? [] : parsed.problems;
}

/** One error naming the component and listing every problem: `Network "net": a; b`. */
export function argsError(type: string, name: string, problems: readonly string[]): Error {
  return new Error(`${type.split(":").pop() ?? type} "${name}": ${problems.join("; ")}`);
}

/** Throws `argsError` when there are problems. */
export function throwIfProblems(type: string, name: string, problems: readonly string[]): void {
  if (problems.length > 0) throw argsError(type, name, problems);
}
