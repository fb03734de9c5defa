import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, unwrapSecrets, containsSecret, valueOf } from "../../support/pulumi-mocks";

const runtime = setupMocks();

class Child extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super("test:index:Child", name, props, opts);
  }
}

class Parent extends pulumi.ComponentResource {
  readonly child: pulumi.CustomResource;
  constructor(name: string) {
    super("faktory-ha:test:Parent", name);
    this.child = new Child(`${name}-child`, { secretIn: pulumi.secret("s3cr3t") }, { parent: this });
    this.registerOutputs({});
  }
}

describe("mock runtime support", () => {
  it("records resources with their parent's type and unwraps secrets", async () => {
    const parent = new Parent("p");
    await valueOf(parent.child.urn);
    const child = runtime.one("test:index:Child");
    expect(child.parentType).toBe("faktory-ha:test:Parent");
    expect(child.parentName).toBe("p");
    expect(child.urn).toBe("urn:pulumi:test::faktory-ha::faktory-ha:test:Parent$test:index:Child::p-child");
    expect(runtime.one("faktory-ha:test:Parent").parentType).toBeUndefined();
    expect(containsSecret(child.inputs)).toBe(true);
    expect(unwrapSecrets(child.inputs)).toEqual({ secretIn: "s3cr3t" });
    expect(runtime.unknownCalls).toEqual([]);
  });
});
