// The TLS defaults, apart from the zod schema that applies them: this file is re-exported by the
// package, and a public declaration that imports the schema file would pull zod's own types into every
// consumer's type check.
import { SUPERVISOR_TLS } from "../../contract/supervisor";

/** Every default of the `tls` arg, in one place (the supervisor contract's ports and directory). */
export const TLS_DEFAULTS = {
  port: SUPERVISOR_TLS.port.default,
  webPort: SUPERVISOR_TLS.webPort.default,
  peerPort: SUPERVISOR_TLS.peerPort.default,
  /** Where the pods mount the certificate's Secret, and where the supervisor reads it. */
  dir: SUPERVISOR_TLS.dir.default,
  issuerKind: "Issuer",
  dnsNames: [] as readonly string[],
  /** cert-manager's own default, which `renewBefore` is checked against when `duration` is not given. */
  duration: "2160h",
} as const;
