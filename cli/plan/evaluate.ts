// Evaluates the real `infra/` program for one stack on Pulumi's mock runtime and returns what it
// registered, with every secret redacted. Nothing talks to a cloud, a state backend or the CLI.
import * as pulumi from "@pulumi/pulumi";
import { generatedSecret, redactSecrets, secretScalars, setupMocks } from "./cloud-mocks";
import { secretPlaceholder, type StackConfigInput } from "./stack-file";

export const REDACTED = "[secret]";

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent: { readonly type: string; readonly name: string } | null;
  readonly custom: boolean;
  /** The id the stand-in assigned (custom resources only). */
  readonly id: string | null;
  /** Inputs as the cloud would receive them; every secret replaced by "[secret]". */
  readonly inputs: Record<string, unknown>;
}

export interface Evaluation {
  readonly resources: PlannedResource[];
  /** Stack outputs; secret ones replaced by "[secret]". */
  readonly outputs: Record<string, unknown>;
  /** Invoke tokens the stand-in had no answer for (a gap in cloud-mocks.ts, not in the program). */
  readonly unknownCalls: string[];
  /** Values the stand-in made up for what the cloud answers at deploy time (cloud-mocks.ts), sorted. */
  readonly standIns: readonly string[];
  /**
   * Inputs with secrets still wrapped, by URN, for the policy pack only (a policy must see that a
   * value is a secret, e.g. in a ConfigMap). Never print or write these.
   */
  readonly rawInputs: ReadonlyMap<string, Record<string, unknown>>;
}

/** Raised when the program rejects the stack config or fails while building resources. */
export class ProgramError extends Error {
  override readonly name = "ProgramError";
}

/** Scrubs placeholder texts that stand for secrets, wherever a program may have copied them. */
export function scrubPlaceholders<T>(value: T, config: StackConfigInput): T {
  const placeholders = config.secretKeys.map(secretPlaceholder);
  const scrub = (v: unknown): unknown => {
    if (typeof v === "string") return placeholders.some((p) => v.includes(p)) ? REDACTED : v;
    if (Array.isArray(v)) return v.map(scrub);
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
    return v;
  };
  return scrub(value) as T;
}

async function resolveOutputs(exportsOf: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exportsOf)) {
    if (key === "__esModule") continue;
    const output: pulumi.Output<unknown> = pulumi.output(
      value as pulumi.Input<unknown>,
    ) as pulumi.Output<unknown>;
    const secret = await pulumi.isSecret(output);
    const plain = await new Promise<unknown>((resolve) => output.apply((v: unknown) => resolve(v)));
    out[key] = secret ? REDACTED : plain;
  }
  return out;
}

/**
 * Runs `loadProgram` (which must import the program) with the stack's config and the mocks in place.
 * Call once per process: Pulumi's runtime state is global.
 */
export async function evaluateProgram(
  config: StackConfigInput,
  project: string,
  loadProgram: () => Record<string, unknown>,
): Promise<Evaluation> {
  pulumi.runtime.setAllConfig(config.config, config.secretKeys);
  // The stack's region, so made-up ARNs, zones and endpoints name the region the stack deploys to.
  const runtime = setupMocks({
    project,
    stack: config.stack,
    preview: false,
    ...(config.config["aws:region"] ? { region: config.config["aws:region"] } : {}),
  });

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  let programExports: Record<string, unknown>;
  try {
    programExports = loadProgram();
  } catch (err) {
    throw new ProgramError(err instanceof Error ? err.message : String(err));
  }
  const outputs = await resolveOutputs(programExports);
  await pulumi.runtime.disconnect();
  process.off("unhandledRejection", onRejection);
  if (failures.length > 0) {
    const first = failures[0];
    throw new ProgramError(first instanceof Error ? first.message : String(first));
  }

  // Values known to be secret even where a program copied them unmarked: the stack's encrypted keys
  // (as placeholders), generated passwords, and every scalar the program marked secret.
  const knownSecrets = [
    ...config.secretKeys.map(secretPlaceholder),
    ...runtime.ofType("random:index/randomPassword:RandomPassword").map((r) => generatedSecret(r.name)),
  ];
  for (const r of runtime.resources)
    for (const s of secretScalars(r.inputs)) if (s.length >= 8) knownSecrets.push(s);

  const resources = runtime.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r): PlannedResource => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent:
        r.parentType && r.parentName && r.parentType !== "pulumi:pulumi:Stack"
          ? { type: r.parentType, name: r.parentName }
          : null,
      custom: r.custom,
      id: r.custom ? `${r.name}-id` : null,
      inputs: redactSecrets(r.inputs, knownSecrets, REDACTED) as Record<string, unknown>,
    }));
  return {
    resources,
    outputs: redactSecrets(outputs, knownSecrets, REDACTED) as Record<string, unknown>,
    unknownCalls: [...runtime.unknownCalls],
    standIns: [...runtime.standIns].sort(),
    rawInputs: new Map(runtime.resources.map((r) => [r.urn, r.inputs])),
  };
}
