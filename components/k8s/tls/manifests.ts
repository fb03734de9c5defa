// Pure builders for TLS: the settings the pods and the Services use, the Secret's volume, and the
// cert-manager Certificate. The environment comes from the contract (supervisorTlsEnv, in env.ts).
import type { SupervisorTlsSettings } from "../../contract/supervisor";
import { commonLabels } from "../labels";
import { TLS_DEFAULTS } from "./defaults";
import type { CertManagerSettings, TlsFromCertManager, TlsFromSecret, TlsOff } from "./types";

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";

/** The certificate request as the component makes it: `certManager` with its defaults. */
export type ResolvedCertManager = Required<Pick<CertManagerSettings, "issuerName" | "issuerKind">> &
  Pick<CertManagerSettings, "duration" | "renewBefore"> & { readonly dnsNames: readonly string[] };

type WithPorts<T> = T & { readonly port: number; readonly webPort: number; readonly peerPort: number };
/**
 * `tls` as parsed (tls/args-schema.ts): the public shape with every default filled in. A plain type, not
 * the schema's: the package's declarations never name zod.
 */
export type ParsedTls =
  | TlsOff
  | WithPorts<TlsFromSecret>
  | WithPorts<Omit<TlsFromCertManager, "certManager"> & { readonly certManager: ResolvedCertManager }>;

/** TLS as the workload runs it: off, or the contract's settings with the Secret to mount. */
export type ResolvedTls =
  | { readonly mode: "off" }
  | (SupervisorTlsSettings & {
      /** The kubernetes.io/tls Secret mounted at `dir`: the user's, or the one cert-manager writes. */
      readonly secretName: string;
      /** The Certificate the component creates, which writes `secretName`; undefined with the user's Secret. */
      readonly certManager?: ResolvedCertManager;
    });

/** The Certificate and the Secret cert-manager writes for it: `<name>-tls`. */
export function certificateName(instance: string): string {
  return `${instance}-tls`;
}

/** The parsed `tls` arg (undefined: off) as the workload runs it. */
export function resolveTls(instance: string, tls: ParsedTls | undefined): ResolvedTls {
  if (tls === undefined || tls.mode === "off") return { mode: "off" };
  const { port, webPort, peerPort, mode } = tls;
  const on = { mode, port, webPort, peerPort, dir: TLS_DEFAULTS.dir };
  return "certManager" in tls
    ? { ...on, secretName: certificateName(instance), certManager: tls.certManager }
    : { ...on, secretName: tls.secretName };
}

/**
 * The Secret's volume and its read-only mount at the contract's directory: the whole Secret, never a
 * subPath, so the kubelet swaps a renewed certificate in place (the supervisor reloads it). Key files
 * 0440: readable by the pod's group (fsGroup) only.
 */
export function tlsVolumes(tls: ResolvedTls): { volumes: object[]; mounts: object[] } {
  if (tls.mode === "off") return { volumes: [], mounts: [] };
  return {
    volumes: [{ name: "tls", secret: { secretName: tls.secretName, defaultMode: 0o440 } }],
    mounts: [{ name: "tls", mountPath: tls.dir, readOnly: true }],
  };
}

/** The ClusterIP Service's names, which every certificate must hold, then the caller's (no repeats). */
export function certificateDnsNames(
  serviceName: string,
  namespace: string,
  extra: readonly string[] = [],
): string[] {
  const own = [
    serviceName,
    `${serviceName}.${namespace}`,
    `${serviceName}.${namespace}.svc`,
    `${serviceName}.${namespace}.svc.cluster.local`,
  ];
  return [...new Set([...own, ...extra])];
}

export interface CertificateInput {
  /** The component's name: the Certificate and its Secret are `<name>-tls`. */
  readonly instance: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly certManager: ResolvedCertManager;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The cert-manager Certificate. A server certificate (the routers are servers to clients and to each
 * other; no client certificates), P-256 (what the handshake figures were measured with), a new key at
 * each renewal. `pulumi.com/waitFor` makes `pulumi up` wait until cert-manager has issued it (Kubernetes
 * provider 4.18+; older ones create it and go on).
 */
export function buildCertificate(input: CertificateInput): Record<string, unknown> {
  const { certManager: c } = input;
  const labels = commonLabels({ instance: input.instance }, input.labels);
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "Certificate",
    metadata: {
      name: certificateName(input.instance),
      namespace: input.namespace,
      labels,
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    },
    spec: {
      secretName: certificateName(input.instance),
      secretTemplate: { labels },
      issuerRef: { name: c.issuerName, kind: c.issuerKind, group: "cert-manager.io" },
      dnsNames: certificateDnsNames(input.serviceName, input.namespace, c.dnsNames),
      ...(c.duration !== undefined ? { duration: c.duration } : {}),
      ...(c.renewBefore !== undefined ? { renewBefore: c.renewBefore } : {}),
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      usages: ["digital signature", "server auth"],
    },
  };
}
