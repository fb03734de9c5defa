import { expect } from "vitest";
import { parseStackConfig, StackConfigError } from "../../../infra/config";

/** The problems a stack config is rejected with, as `key: got …; allowed` lines; fails if it is accepted. */
export function problemsOf(raw: Record<string, string>, secretKeys: ReadonlySet<string>): string[] {
  try {
    parseStackConfig(raw, secretKeys);
  } catch (err) {
    expect(err).toBeInstanceOf(StackConfigError);
    return (err as StackConfigError).problems.map((p) => `${p.key}: got ${p.received}; ${p.allowed}`);
  }
  throw new Error("expected the config to be rejected");
}
