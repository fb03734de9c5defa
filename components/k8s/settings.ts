// Defaults and up-front validation of the plain (structural and timing) args. Pure, so each error
// message is tested table-driven; the component calls `resolveSettings` before creating anything.
// The jobs are in their own files: parsing (parse-args.ts), the plain parts of Inputs
// (input-checks.ts), the cross-argument rules (component-rules.ts); the defaults in defaults.ts.
import { SECRET_KEYS } from "./constants";
import { crossArgProblems } from "./component-rules";
import { DEFAULTS } from "./defaults";
import { inputProblems } from "./input-checks";
import type { ResolvedMonitoring } from "./monitoring/manifests";
import { nameProblems, parseArgs, unknownArgProblems, type ParsedArgs } from "./parse-args";
import { resolveTls, type ResolvedTls } from "./tls/manifests";
import type { FaktoryArgs, FaktoryEdition } from "./types";

export { DEFAULTS } from "./defaults";
export { imagePinningError } from "./image-pinning";

export interface ResolvedSettings {
  readonly edition: FaktoryEdition;
  readonly secondaries: number;
  readonly replicas: number;
  readonly createNamespace: boolean;
  readonly webUi: boolean;
  readonly serviceName: string;
  readonly lease: Required<NonNullable<FaktoryArgs["lease"]>>;
  readonly liveness: Required<NonNullable<FaktoryArgs["liveness"]>>;
  /** The open-source server's startup probe; undefined with enterprise. */
  readonly startup: Required<NonNullable<FaktoryArgs["startup"]>> | undefined;
  readonly terminationGracePeriodSeconds: number;
  readonly deregistrationDelaySeconds: number;
  readonly runAsUser: number;
  readonly monitoring: ResolvedMonitoring;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: NonNullable<FaktoryArgs["tolerations"]>;
  readonly affinity: FaktoryArgs["affinity"];
  readonly priorityClassName: string | undefined;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly extraEnv: NonNullable<FaktoryArgs["extraEnv"]>;
  readonly extraConfFiles: Readonly<Record<string, string>>;
  readonly existingSecret: string | undefined;
  /** Encryption in transit: off (also always with oss), or the TLS ports and the certificate's Secret. */
  readonly tls: ResolvedTls;
}

/** The settings of valid args: the parsed values, and the defaults of every arg not given. */
function withDefaults(name: string, args: FaktoryArgs, parsed: ParsedArgs): ResolvedSettings {
  return {
    edition: parsed.edition,
    secondaries: parsed.secondaries,
    replicas: 1 + parsed.secondaries,
    createNamespace: args.createNamespace ?? DEFAULTS.createNamespace,
    webUi: args.webUi ?? DEFAULTS.webUi,
    serviceName: parsed.serviceName,
    lease: parsed.lease ?? DEFAULTS.lease,
    liveness: parsed.liveness ?? DEFAULTS.liveness,
    startup: parsed.edition === "oss" ? (parsed.startup ?? DEFAULTS.startup) : undefined,
    terminationGracePeriodSeconds:
      args.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds,
    deregistrationDelaySeconds: parsed.deregistrationDelaySeconds,
    runAsUser: parsed.runAsUser,
    monitoring: parsed.monitoring,
    nodeSelector: args.nodeSelector ?? {},
    tolerations: args.tolerations ?? [],
    affinity: args.affinity,
    priorityClassName: args.priorityClassName,
    podLabels: args.podLabels ?? {},
    podAnnotations: args.podAnnotations ?? {},
    extraEnv: args.extraEnv ?? [],
    extraConfFiles: args.extraConfFiles ?? {},
    existingSecret: args.existingSecret,
    tls: resolveTls(name, parsed.tls),
  };
}

/** Applies the defaults and checks every plain arg; throws one Error listing every problem found. */
export function resolveSettings(name: string, args: FaktoryArgs): ResolvedSettings {
  const parsed = parseArgs(args);
  const problems = [
    ...nameProblems(name),
    ...unknownArgProblems(args),
    ...parsed.problems,
    ...inputProblems(args),
    ...crossArgProblems(args, parsed.values),
  ];
  if (problems.length > 0) throw new Error(`invalid Faktory args:\n  - ${problems.join("\n  - ")}`);
  return withDefaults(name, args, parsed.values);
}

/** The keys an `existingSecret` must hold: the password; with enterprise the license, and the Redis URL unless given. */
export function existingSecretKeys(edition: FaktoryEdition, redisUrlGiven: boolean): string[] {
  if (edition === "oss") return [SECRET_KEYS.password];
  return [SECRET_KEYS.password, SECRET_KEYS.license, ...(redisUrlGiven ? [] : [SECRET_KEYS.redisUrl])];
}
