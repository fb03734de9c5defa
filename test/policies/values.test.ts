import { unknownCheckingProxy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { describe as describeValue, get, items, UNKNOWN } from "../../policies/values";
import { secret } from "../fixtures/policies/resources";

describe("reading props", () => {
  it("unwraps secrets at any depth", () => {
    const props = { spec: secret({ template: { containers: [secret({ name: "a" })] } }) };
    expect(get(props, "spec", "template", "containers", 0, "name")).toBe("a");
  });

  it("maps the mock runtime's unknown sentinel to UNKNOWN and stops there", () => {
    const props = { spec: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" };
    expect(get(props, "spec")).toBe(UNKNOWN);
    expect(get(props, "spec", "replicas")).toBe(UNKNOWN);
  });

  it("turns CrossGuard's UnknownValueError into UNKNOWN instead of failing the policy", () => {
    const props = unknownCheckingProxy({ a: { b: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" }, list: [1, 2] });
    expect(get(props, "a", "b")).toBe(UNKNOWN);
    expect(items(get(props, "list"))).toEqual([1, 2]);
  });

  it("describes found values for messages", () => {
    expect([undefined, UNKNOWN, "x", false, 3, ["a"]].map(describeValue)).toEqual([
      "not set",
      "unknown",
      '"x"',
      "false",
      "3",
      '["a"]',
    ]);
  });
});
