// The faktory-ha resource provider: constructs the components of schema.json for programs in other languages
// (Python, Go, .NET, YAML). The engine calls `construct` with the component's inputs and options (among them
// the Kubernetes provider the program passed in `providers`); the component is created here, with those
// options, and its outputs are returned as the resource's state.
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Faktory } from "../components/k8s/faktory";
import type { FaktoryArgs } from "../components/k8s/types";

interface PropertySpec {
  readonly type?: string;
  readonly $ref?: string;
  readonly plain?: boolean;
  readonly items?: PropertySpec;
  readonly additionalProperties?: PropertySpec;
  readonly properties?: Readonly<Record<string, PropertySpec>>;
}

interface ResourceSpec {
  readonly inputProperties: Readonly<Record<string, PropertySpec>>;
  readonly properties: Readonly<Record<string, PropertySpec>>;
}

/** The part of schema.json the provider reads. */
export interface PackageSchema {
  readonly name: string;
  readonly version: string;
  readonly resources: Readonly<Record<string, ResourceSpec>>;
  readonly types: Readonly<Record<string, PropertySpec>>;
}

type Construct = (
  name: string,
  inputs: pulumi.Inputs,
  opts: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource;

// The args are checked by the component itself (an unknown arg, a wrong type or value, an arg the edition
// refuses: each named in the error), as for a JavaScript caller.
const COMPONENTS: Readonly<Record<string, Construct>> = {
  "faktory-ha:k8s:Faktory": (name, inputs, opts) => new Faktory(name, inputs as unknown as FaktoryArgs, opts),
};

/** The directory of the faktory-ha package (where schema.json is), from this file in the sources or in dist/. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "schema.json")) && existsSync(join(dir, "package.json"))) return dir;
  }
  throw new Error(`no schema.json above ${from}`);
}

export function loadSchema(root: string = packageRoot()): { text: string; schema: PackageSchema } {
  const text = readFileSync(join(root, "schema.json"), "utf8");
  return { text, schema: JSON.parse(text) as PackageSchema };
}

/**
 * Where a value holds an Output although the schema says plain: such an arg decides which resources exist, so it
 * must be known when the component is constructed (not computed from another resource, not a secret).
 */
function plainProblems(
  value: unknown,
  spec: PropertySpec,
  types: PackageSchema["types"],
  path: string,
): string[] {
  if (pulumi.Output.isInstance(value)) {
    return [
      `${path} must be a plain value (known before any resource exists, not a secret); it arrived as an Output`,
    ];
  }
  if (Array.isArray(value) && spec.items) {
    return value.flatMap((v, i) => plainProblems(v, spec.items ?? {}, types, `${path}[${i}]`));
  }
  if (value === null || typeof value !== "object") return [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (spec.additionalProperties) {
    return entries.flatMap(([k, v]) =>
      plainProblems(v, spec.additionalProperties ?? {}, types, `${path}.${k}`),
    );
  }
  const properties = spec.$ref ? types[spec.$ref.replace("#/types/", "")]?.properties : undefined;
  return entries.flatMap(([k, v]) =>
    properties?.[k]?.plain ? plainProblems(v, properties[k], types, `${path}.${k}`) : [],
  );
}

export class FaktoryHaProvider implements provider.Provider {
  readonly version: string;

  // Not named `schema`: the gRPC server serves a provider's `schema` property, when it has one, as the schema text.
  constructor(
    private readonly schemaText: string,
    private readonly packageSchema: PackageSchema,
  ) {
    this.version = packageSchema.version;
  }

  async getSchema(): Promise<string> {
    return this.schemaText;
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    const build = COMPONENTS[type];
    const spec = this.packageSchema.resources[type];
    if (!build || !spec) {
      const known = Object.keys(COMPONENTS).join(", ");
      throw new Error(
        `unknown resource type ${type}: the ${this.packageSchema.name} provider constructs ${known}`,
      );
    }
    // An absent optional input may arrive as null; the component takes only what was given.
    const given = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== null && v !== undefined));
    const problems = Object.entries(given).flatMap(([key, value]) => {
      const property = spec.inputProperties[key];
      return property?.plain ? plainProblems(value, property, this.packageSchema.types, key) : [];
    });
    if (problems.length > 0) throw new Error(`${type} ${name}: ${problems.join("; ")}`);
    const component = build(name, given, options);
    const outputs = component as unknown as Record<string, unknown>;
    return {
      urn: component.urn,
      state: Object.fromEntries(Object.keys(spec.properties).map((key) => [key, outputs[key]])),
    };
  }
}
