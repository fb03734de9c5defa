// A cross-argument rule's problem in the components' one form (components/arg-schema.ts): the arg,
// the value received when it may be shown, and the rule, `secondaries=2 must be 0 with edition "oss": …`.
import { shown } from "../arg-schema";
import type { RuleProblem } from "./arg-rules";

/** A cross-argument rule's problem in the component's words (a secret is never shown). */
export function ruleMessage(problem: RuleProblem): string {
  const value = typeof problem.received === "object" ? shown(problem.received.value) : "";
  return `${problem.key}${value} ${problem.rule}`;
}
