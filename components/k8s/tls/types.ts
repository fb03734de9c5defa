// The `tls` arg of the Faktory component: encryption in transit, served by the supervisors' routers (the
// contract's FAKTORY_HA_TLS_*). Plain interfaces: the package's declarations must not name zod.
import type { TlsMode } from "../../contract/supervisor";

export type { TlsMode };

/**
 * A cert-manager `Certificate` (cert-manager.io/v1) the component creates; cert-manager writes it to the
 * Secret `<name>-tls` and renews it, and the supervisors pick up each renewal without a restart.
 * cert-manager must run in the cluster.
 */
export interface CertManagerSettings {
  /** The cert-manager Issuer (in the namespace) or ClusterIssuer that signs the certificate. */
  readonly issuerName: string;
  /** @default "Issuer" (cert-manager's own default) */
  readonly issuerKind?: "Issuer" | "ClusterIssuer";
  /**
   * DNS names besides the ClusterIP Service's own, which the certificate always holds (`<serviceName>`,
   * `<serviceName>.<namespace>`, `….svc`, `….svc.cluster.local`). The internal NLB's hostname exists only
   * once the NLB does, so it cannot be in the certificate: clients of the NLB connect through a DNS alias
   * of yours (a CNAME to `loadBalancerHostname`), listed here.
   * @default []
   */
  readonly dnsNames?: readonly string[];
  /** How long a certificate is valid: a Go duration of at least 1h. @default cert-manager's, "2160h" (90 days) */
  readonly duration?: string;
  /**
   * How long before expiry cert-manager renews: a Go duration of at least 5m, shorter than `duration`.
   * @default cert-manager's, a third of `duration`
   */
  readonly renewBefore?: string;
}

/** TLS off: the plain ports only, exactly as without `tls`. */
export interface TlsOff {
  readonly mode: "off";
}

/** TLS on: the routers' TLS ports, and the certificate they serve (one of the two shapes below). */
interface TlsOn {
  /**
   * `optional`: TLS ports beside the plain 7419/7420, for a migration. `required`: the plain client and
   * web ports are closed, and nothing crosses between pods in plain text. Move a running deployment
   * `off` → `optional` → `required`, one rolling update each: a `required` pod never routes to a primary
   * that serves no TLS, so skipping `optional` stalls the rollout at its first pod.
   */
  readonly mode: "optional" | "required";
  /** The TLS job port (`tcp+tls://host:<port>`); with `required` it may be 7419. @default 7429 */
  readonly port?: number;
  /** The TLS web UI port (`https://`, exposed with `webUi`); with `required` it may be 7420. @default 7430 */
  readonly webPort?: number;
  /** The peer TLS port the other pods' routers reach this pod's Faktory through. @default 17429 */
  readonly peerPort?: number;
}

/** TLS with a certificate you manage. */
export interface TlsFromSecret extends TlsOn {
  /**
   * An existing Secret of type kubernetes.io/tls in the namespace (`tls.crt`, `tls.key`, and `ca.crt`
   * when the other pods must verify against a private CA), mounted read-only; a renewal written to it is
   * picked up without a restart. The pods wait for it (the kubelet retries the mount).
   */
  readonly secretName: string;
  /** Not with `secretName`. */
  readonly certManager?: never;
}

/** TLS with a certificate cert-manager issues and renews. */
export interface TlsFromCertManager extends TlsOn {
  readonly certManager: CertManagerSettings;
  /** Not with `certManager`: the Secret is `<name>-tls`, written by cert-manager. */
  readonly secretName?: never;
}

/**
 * Encryption in transit: off, or TLS with its certificate from an existing Secret or from cert-manager
 * (exactly one of the two).
 */
export type TlsSettings = TlsOff | TlsFromSecret | TlsFromCertManager;
