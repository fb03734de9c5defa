import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stackBase } from "../../../infra/names";

describe("stackBase", () => {
  it.each([
    ["dev", "faktory-dev"],
    ["prod", "faktory-prod"],
    ["staging", "faktory-staging"],
    ["a", "faktory-a"],
    ["0123456789", "faktory-0123456789"],
  ])("keeps faktory-<stack> for %s, where it fits", (stack, base) => {
    expect(stackBase(stack)).toBe(base);
  });

  it.each([
    "payments-dev",
    "payments-production-eu-west-1",
    "a-forty-character-stack-name-for-testing",
    "Payments_Dev",
    "___",
  ])("shortens %s to a DNS label of at most 18 characters", (stack) => {
    const base = stackBase(stack);
    expect(base).toMatch(/^faktory-[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(base.length).toBeLessThanOrEqual(18);
  });

  it("makes stacks/README.md's example: a head of 5 characters and the first 4 hex digits of the name's SHA-256", () => {
    expect(stackBase("payments-staging")).toBe("faktory-payme-8b16");
    expect(createHash("sha256").update("payments-staging").digest("hex").slice(0, 4)).toBe("8b16");
    const readme = readFileSync(join(__dirname, "../../../stacks/README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain("(`payments-staging` → `faktory-payme-8b16`)");
  });

  it("gives long stack names that share a head distinct bases", () => {
    expect(stackBase("payments-production-eu-west-1")).not.toBe(stackBase("payments-production-us-east-1"));
    expect(stackBase("payments-dev")).toBe(`faktory-payme-${stackBase("payments-dev").slice(-4)}`);
  });
});
