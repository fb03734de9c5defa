// How the component words a problem with its args: the arg path, the value received (when short and
// not secret) and a predicate, `lease.ttlMs=500 must be the lease ttl in ms: …`. Schema problems
// (zod issues), cross-argument rule problems and unknown keys all come out in that one form.
import { z } from "zod";
import { argPath, valueAt } from "../arg-schema";
import { unknownKeyHint } from "../near-miss";
import { keysAt } from "../schema-shape";
import type { RuleProblem } from "./arg-rules";

/** A value short enough to repeat in a message (`="agent"`); nothing for text, objects and lists. */
function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return `=${String(value)}`;
  if (typeof value === "string" && value.length <= 80 && !value.includes("\n")) {
    return `=${JSON.stringify(value)}`;
  }
  return "";
}

function messages(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  prefix: readonly PropertyKey[],
  schema: unknown,
): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      return issue.keys.map(
        (key) =>
          `${argPath([...prefix, ...issue.path, key])} is not a known key${unknownKeyHint(key, known)}`,
      );
    }
    return [`${argPath([...prefix, ...issue.path])}${shown(valueAt(root, issue.path))} ${issue.message}`];
  });
}

/**
 * Parses one arg; its problems name the arg path and the value received:
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
    problems: messages(parsed.error.issues, value, typeof path === "string" ? [path] : path, schema),
  };
}

/** Checks several args against an object shape of schemas: one message per problem, as `parseArg`. */
export function argProblems(shape: Readonly<Record<string, z.ZodType>>, args: object): string[] {
  const picked = Object.fromEntries(Object.keys(shape).map((k) => [k, (args as Record<string, unknown>)[k]]));
  const schema = z.object(shape);
  const parsed = schema.safeParse(picked);
  return parsed.success ? [] : messages(parsed.error.issues, picked, [], schema);
}

/** A cross-argument rule's problem in the component's words (a secret is never shown). */
export function ruleMessage(problem: RuleProblem): string {
  const value = typeof problem.received === "object" ? shown(problem.received.value) : "";
  return `${problem.key}${value} ${problem.rule}`;
}
