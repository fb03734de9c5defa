// The provider plugin's `construct` (what the engine calls for `faktory-ha:k8s:Faktory` from a Python, Go, .NET or
// YAML program), on the mock runtime: the component is built with the options given, its outputs are the state
// schema.json names, and what cannot be constructed is refused with a message naming the type or the arg.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Provider } from "@pulumi/pulumi/provider";
import { describe, expect, it } from "vitest";
import { FaktoryHaProvider, loadSchema } from "../../provider/provider";
import { setupMocks, valueOf } from "../support/pulumi-mocks";

const runtime = setupMocks();
const { text, schema } = loadSchema();
const provider = new FaktoryHaProvider(text, schema);
const FAKTORY = "faktory-ha:k8s:Faktory";

const inputs = (extra: pulumi.Inputs = {}): pulumi.Inputs => ({
  image: "ghcr.io/acme/faktory-ha:1.9.4-v0.2.0",
  redisUrl: pulumi.secret("redis://redis.jobs:6379"),
  license: pulumi.secret("license-0123"),
  vpcCidrs: ["10.0.0.0/16"],
  loadBalancer: false,
  ...extra,
});

describe("the faktory-ha provider", () => {
  it("serves schema.json as its schema, at the package's version", async () => {
    // The gRPC server serves a `schema` property in preference to `getSchema()` (a field of that name once made
    // the engine read an empty schema).
    const served: Provider = provider;
    expect(served.schema ?? (await served.getSchema?.())).toBe(text);
    expect(provider.version).toBe(schema.version);
  });

  it("constructs a Faktory with the options given and returns the outputs schema.json names", async () => {
    // What the engine hands over for `options: { providers: [...] }`: the program's Kubernetes provider.
    const kube = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const result = await provider.construct("jobs", FAKTORY, inputs({ secondaries: 2, edition: null }), {
      providers: { kubernetes: kube },
    });
    expect(await valueOf(result.urn)).toMatch(/::faktory-ha:k8s:Faktory::jobs$/);
    expect(Object.keys(result.state)).toEqual(Object.keys(schema.resources[FAKTORY].properties));
    expect(await valueOf(result.state.namespace)).toBe("jobs");
    expect(await valueOf(result.state.serviceName)).toBe("faktory");
    expect(await valueOf(result.state.loadBalancerUrl)).toBeUndefined();
    expect(await pulumi.isSecret(result.state.inClusterUrl as pulumi.Output<string>)).toBe(true);
    // The StatefulSet is registered once its Inputs resolve.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sts = runtime.one("kubernetes:apps/v1:StatefulSet", "jobs-statefulset");
    expect(sts.parentType).toBe(FAKTORY);
    expect((sts.inputs.spec as { replicas: number }).replicas).toBe(3);
    expect(sts.provider).toBe(`${await valueOf(kube.urn)}::${await valueOf(kube.id)}`);
  });

  it("refuses a type it does not construct, naming the ones it does", async () => {
    await expect(provider.construct("x", "faktory-ha:aws:Redis", {}, {})).rejects.toThrow(
      "unknown resource type faktory-ha:aws:Redis: the faktory-ha provider constructs faktory-ha:k8s:Faktory",
    );
  });

  it("refuses an Output (computed or secret) where the schema says plain, at any depth", async () => {
    await expect(
      provider.construct(
        "computed",
        FAKTORY,
        inputs({
          secondaries: pulumi.output(2),
          lease: { keyPrefix: pulumi.secret("x") },
          registryCredentials: { server: "r.example", username: "u", password: pulumi.secret("p") },
        }),
        {},
      ),
    ).rejects.toThrow(
      `${FAKTORY} computed: secondaries must be a plain value (known before any resource exists, not a secret); ` +
        "it arrived as an Output; lease.keyPrefix must be a plain value",
    );
  });

  it("passes the component's own checks on (an unknown arg)", async () => {
    await expect(provider.construct("typo", FAKTORY, inputs({ secondary: 2 }), {})).rejects.toThrow(
      /secondary is not a known arg.*secondaries/,
    );
  });
});
