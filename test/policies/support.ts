// Calls a policy the way the engine does, with a hand-built args object (constructing a PolicyPack
// is not test-safe), and returns the reported messages.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies, type PlannedResource } from "../../policies/offline";

export function resourceMessages(policy: ResourceValidationPolicy, resource: PlannedResource): string[] {
  const messages: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  if (validations.length === 0) throw new Error(`${policy.name} has no validateResource`);
  for (const validate of validations) {
    const result = validate(
      {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: resource.props,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: () => {
          throw new Error(`${policy.name} called notApplicable`);
        },
      },
      (message) => messages.push(message),
    );
    if (result instanceof Promise) throw new Error(`${policy.name} is asynchronous`);
  }
  return messages;
}

/** A stack policy's violations over `resources`, as `[urn, message]` pairs (through the evaluator). */
export function stackViolations(
  policy: StackValidationPolicy,
  resources: PlannedResource[],
  environment = "prod",
): [string, string][] {
  return evaluatePolicies(resources, { environment }, [policy]).map((v) => [v.resource, v.message]);
}
