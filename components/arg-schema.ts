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

/** A value for a message: strings quoted, lists and objects as JSON (cut short), Outputs named as such. */
export function shown(value: unknown): string {
  if (isDeferred(value)) return "an Output";
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || typeof value === "number" || typeof value === "boolean") return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= 100 ? json : `${json.slice(0, 99)}…`;
}

/**
 * Checks args against a strict object schema; one message per problem, every problem at once:
 * `azCount must be … (got 7)`, and for an arg the component does not take (JavaScript callers, a
 * typo) `cidr is not a known arg; did you mean "cidrBlock"?`.
 */
export function argProblems(schema: z.ZodType, args: unknown): string[] {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      const what = issue.path.length === 0 ? "args" : "keys";
      return issue.keys.map(
        (key) =>
          `${argPath([...issue.path, key])} is not a known ${what.slice(0, -1)}${unknownKeyHint(key, known, what)}`,
      );
    }
    const path = argPath(issue.path);
    return [`${path === "" ? "args" : path} ${issue.message} (got ${shown(valueAt(args, issue.path))})`];
  });
}

/** One error naming the component and listing every problem: `Network "net": a; b`. */
export function argsError(type: string, name: string, problems: readonly string[]): Error {
  return new Error(`${type.split(":").pop() ?? type} "${name}": ${problems.join("; ")}`);
}

/** Throws `argsError` when there are problems. */
export function throwIfProblems(type: string, name: string, problems: readonly string[]): void {
  if (problems.length > 0) throw argsError(type, name, problems);
}
