// Unit tests use the same stand-in for AWS and Kubernetes as the offline plan: one mock runtime
// (cli/plan/cloud-mocks.ts). Add answers for new invokes or provider outputs there.
import * as pulumi from "@pulumi/pulumi";

export {
  setupMocks,
  unwrapSecrets,
  containsSecret,
  redactSecrets,
  type MockRuntime,
  type RecordedResource,
} from "../../cli/plan/cloud-mocks";

/** Resolves an Output (or Input) to its plain value; use it instead of asserting inside `apply`. */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return new Promise<T>((resolve) => pulumi.output(input).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}
