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

/** A minimal enterprise prod stack that parses, and its secret keys: the base the per-key tests add one key to. */
export const PROD_STACK: Readonly<Record<string, string>> = {
  "aws:region": "us-east-1",
  "faktory-ha:environment": "prod",
  "faktory-ha:faktoryImage": "docker.contribsys.com/contribsys/faktory-ent:1.9.4",
  "faktory-ha:license": "license-key-value",
};
export const PROD_SECRETS: ReadonlySet<string> = new Set(["faktory-ha:license"]);
