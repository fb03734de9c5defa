import type { MockRuntime, RecordedResource } from "../../support/pulumi-mocks";

/** Waits until the mock has stopped receiving registrations (children register asynchronously). */
export async function settle(runtime: MockRuntime): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 3) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    if (runtime.resources.length === last) stable += 1;
    else {
      stable = 0;
      last = runtime.resources.length;
    }
  }
}

/** Resources whose name is `prefix` or starts with `prefix-`, as `type name` strings, sorted. */
export function inventory(runtime: MockRuntime, prefix: string): string[] {
  return named(runtime, prefix)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

export function named(runtime: MockRuntime, prefix: string): RecordedResource[] {
  return runtime.resources.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
}

/** The message of the error `fn` throws; fails the test if it does not throw. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error, none was thrown");
}
