// Runs the pack's policies over a planned resource list without the Pulumi CLI or engine: the
// offline plan (`faktory-ha plan`) records what a program registers under the mock runtime and hands
// it here. The policy objects are the pack's own (policies.ts); only the engine's job of building the
// validation arguments is done here. It never constructs a PolicyPack (that starts a gRPC server).
import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Environment } from "./environment";
import { enforcementFor, parseEnvironment } from "./environment";
import { policies as packPolicies } from "./policies";

/** One resource the program registered, with its inputs as the mock runtime received them. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  /** The id the mock assigned, if known: lets node groups' `subnetIds` be matched to subnets. */
  readonly id?: string;
  /** URNs this resource depends on, if known: resolves references to auto-named resources. */
  readonly dependencies?: readonly string[];
  /** URNs each input property depends on, if known. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
  readonly policy: string;
  readonly enforcement: "mandatory" | "advisory";
  /** The URN of the resource in violation, or "stack" for a stack-wide violation. */
  readonly resource: string;
  readonly message: string;
}

export interface EvaluateOptions {
  /** "prod" or "dev": selects the same enforcement levels as `policies/config/<environment>.json`. */
  readonly environment: string;
}

class NotApplicable extends Error {}

const defaultOptions: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function sameType(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

// The engine's helpers, reproduced for plain data. Config is empty: each environment differs only in
// enforcement levels, which `enforcementFor` applies.
const helpers = {
  stackTags: new Map<string, string>() as ReadonlyMap<string, string>,
  getConfig: <T extends object>(): T => ({}) as T,
  notApplicable: (reason?: string): never => {
    throw new NotApplicable(reason);
  },
};

function resourceArgs(resource: PlannedResource): ResourceValidationArgs {
  return {
    ...helpers,
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.props,
    opts: defaultOptions,
    isType: (resourceClass) => sameType(resource.type, resourceClass),
    asType: ((resourceClass: unknown) =>
      sameType(resource.type, resourceClass)
        ? resource.props
        : undefined) as ResourceValidationArgs["asType"],
  };
}

function stackResources(resources: readonly PlannedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource & { id?: string }>();
  for (const r of resources) {
    byUrn.set(r.urn, {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.props,
      id: r.id,
      opts: defaultOptions,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => sameType(r.type, resourceClass),
      asType: ((resourceClass: unknown) =>
        sameType(r.type, resourceClass) ? r.props : undefined) as PolicyResource["asType"],
    });
  }
  const lookup = (urns: readonly string[] = []): PolicyResource[] =>
    urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
  for (const r of resources) {
    const target = byUrn.get(r.urn);
    if (target === undefined) continue;
    target.dependencies = lookup(r.dependencies);
    target.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([property, urns]) => [property, lookup(urns)]),
    );
  }
  return [...byUrn.values()];
}

function reported(level: EnforcementLevel): "mandatory" | "advisory" {
  return level === "advisory" ? "advisory" : "mandatory";
}

/** Calls one validation; the policies are synchronous, and an async one would be silently skipped. */
function run(policy: Policy, validate: () => unknown): void {
  try {
    const result = validate();
    if (result instanceof Promise) {
      throw new Error(
        `policy ${policy.name} is asynchronous; the offline evaluator runs synchronous policies only`,
      );
    }
  } catch (e) {
    if (!(e instanceof NotApplicable)) throw e;
  }
}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
  return "validateStack" in policy;
}

function validationsOf(policy: ResourceValidationPolicy) {
  const v = policy.validateResource;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Runs every resource policy on every resource, then every stack policy on the whole list, at the
 * enforcement levels of `opts.environment`. Disabled policies do not run.
 */
export function evaluatePolicies(
  resources: readonly PlannedResource[],
  opts: EvaluateOptions,
  policies: readonly Policy[] = packPolicies,
): Violation[] {
  const environment: Environment = parseEnvironment(opts.environment);
  const violations: Violation[] = [];
  const stack = stackResources(resources);
  for (const policy of policies) {
    const level = enforcementFor(policy, environment);
    if (level === "disabled") continue;
    const record = (resource: string, message: string) =>
      violations.push({ policy: policy.name, enforcement: reported(level), resource, message });
    if (isStackPolicy(policy)) {
      const args = { ...helpers, resources: stack };
      run(policy, () => policy.validateStack(args, (message, urn) => record(urn ?? "stack", message)));
      continue;
    }
    for (const resource of resources) {
      const args = resourceArgs(resource);
      // As in the engine, a resource policy's violation is always about the resource it validated.
      const report: ReportViolation = (message) => record(resource.urn, message);
      for (const validate of validationsOf(policy as ResourceValidationPolicy)) {
        run(policy, () => validate(args, report));
      }
    }
  }
  return violations;
}
