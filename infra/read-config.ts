// The only place that reads Pulumi stack config: the raw `faktory-ha:*` values and which are secret.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "./config-problem";
import { parseStackConfig } from "./config";
import type { StackConfig } from "./stack-config";

// The engine passes the list of encrypted keys; the SDK reads it with `isConfigSecret`, which its
// typings mark internal. Without it every secret would look like plaintext and be rejected.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

/** Reads and validates this stack's config; throws one error listing every problem. */
export function readStackConfig(): StackConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(
    Object.keys(raw).filter((k) => k.startsWith(`${NAMESPACE}:`) && isConfigSecret(k)),
  );
  return parseStackConfig(raw, secretKeys);
}
