// The `tls` arg's rules and defaults as one zod schema: the component parses `tls` with it (messages name
// `tls.port=7421 …`) and the stack config composes it (`faktory-ha:tls.port: got 7421; …`). Its output is
// the public union (TlsSettings) with the defaults filled in, so the stack passes it on as it is.
import { z } from "zod";
import { SUPERVISOR_TLS, TLS_MODES } from "../../contract/supervisor";
import { int, oneOf } from "../../arg-schema";
import { DNS_SUBDOMAIN, secretNameSchema } from "../args-schema";
import { PORTS } from "../constants";
import { TLS_DEFAULTS } from "./defaults";
import type { ParsedTls } from "./manifests";
import type { CertManagerSettings, TlsSettings } from "./types";

const PORT_KEYS = ["port", "webPort", "peerPort"] as const;
type PortKey = (typeof PORT_KEYS)[number];
const tlsPort = (key: PortKey, what: string) =>
  int(what, SUPERVISOR_TLS[key].min, SUPERVISOR_TLS[key].max).optional();

// A Go duration as cert-manager reads it (hours, minutes, seconds), in ms; undefined when malformed.
const GO_DURATION = /^(\d+(\.\d+)?(ms|h|m|s))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
export function goDurationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}
/** cert-manager's floors: a certificate lives at least an hour and is renewed at least 5 minutes ahead. */
const goDuration = (minimum: string, example: string) => {
  const message = `must be a Go duration of at least ${minimum}, such as ${example}`;
  const floor = goDurationMs(minimum) ?? 0;
  return z.string({ message }).refine((d) => (goDurationMs(d) ?? -1) >= floor, { message });
};

const DNS_NAME = /^(?=.{1,253}$)(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ISSUER_KINDS = ["Issuer", "ClusterIssuer"] as const;
const ISSUER_NAME =
  "must be the name of a cert-manager Issuer or ClusterIssuer (lowercase letters, digits, '-', '.'; at most 253)";

export const certManagerSchema = z
  .object({
    issuerName: z.string({ message: ISSUER_NAME }).regex(DNS_SUBDOMAIN, { message: ISSUER_NAME }),
    issuerKind: oneOf(ISSUER_KINDS).optional(),
    dnsNames: z
      .array(
        z.string().regex(DNS_NAME, {
          message:
            "must be a DNS name such as faktory.example.com (lowercase; a wildcard only as the first label, *.example.com)",
        }),
        { message: 'must be a list of DNS names, e.g. ["faktory.example.com"]' },
      )
      .readonly()
      .optional(),
    duration: goDuration("1h", '"2160h" (90 days)').optional(),
    renewBefore: goDuration("5m", '"720h" (30 days)').optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const duration = c.duration ?? TLS_DEFAULTS.duration;
    if (c.renewBefore === undefined || (goDurationMs(c.renewBefore) ?? 0) < (goDurationMs(duration) ?? 0)) {
      return;
    }
    ctx.addIssue({
      code: "custom",
      path: ["renewBefore"],
      message: `must be shorter than tls.certManager.duration (${JSON.stringify(duration)}${c.duration === undefined ? ", cert-manager's default" : ""}): cert-manager renews that long before expiry`,
    });
  });

const tlsObject = z
  .object({
    mode: oneOf(TLS_MODES),
    secretName: secretNameSchema.optional(),
    certManager: certManagerSchema.optional(),
    port: tlsPort("port", "the TLS job port"),
    webPort: tlsPort("webPort", "the TLS web UI port"),
    peerPort: tlsPort("peerPort", "the peer TLS port"),
  })
  .strict();
type TlsObject = z.output<typeof tlsObject>;
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The ports an enterprise pod opens besides its TLS ports: `required` closes the plain client ports. */
function otherPorts(mode: "optional" | "required"): { what: string; port: number; plain?: true }[] {
  const always = [
    { what: `the health port (${PORTS.health})`, port: PORTS.health },
    { what: `Faktory's internal job port (${PORTS.internal})`, port: PORTS.internal },
    { what: `Faktory's internal web port (${PORTS.internalWeb})`, port: PORTS.internalWeb },
  ];
  if (mode === "required") return always;
  return [
    { what: `the plain job port (${PORTS.faktory})`, port: PORTS.faktory, plain: true },
    { what: `the plain web UI port (${PORTS.web})`, port: PORTS.web, plain: true },
    ...always,
  ];
}

/** Every port a pod opens must differ (the supervisor refuses to start otherwise). */
function portIssues(t: TlsObject & { mode: "optional" | "required" }): Issue[] {
  const issues: Issue[] = [];
  const rule = "each port a pod opens must differ";
  const ports = PORT_KEYS.map((key) => ({
    key,
    given: t[key] !== undefined,
    port: t[key] ?? TLS_DEFAULTS[key],
  }));
  for (const p of ports.filter((x) => x.given)) {
    const clash = otherPorts(t.mode).find((o) => o.port === p.port);
    if (clash === undefined) continue;
    const fix = clash.plain
      ? `; choose another, or set tls.mode to "required", which closes the plain ports (TLS may then take ${p.port})`
      : "; choose another";
    const kept = clash.plain ? `, which tls.mode "optional" keeps open` : "";
    issues.push({ path: [p.key], message: `is also ${clash.what}${kept}: ${rule}${fix}` });
  }
  ports.forEach((a, i) =>
    ports.slice(i + 1).forEach((b) => {
      if (a.port !== b.port) return;
      // The defaults differ, so at least one of the two was given: blame that one.
      const [blamed, other] = b.given ? [b, a] : [a, b];
      const named = `tls.${other.key} (${other.port}${other.given ? "" : ", its default"})`;
      issues.push({ path: [blamed.key], message: `is also ${named}: ${rule}; choose another` });
    }),
  );
  return issues;
}

/** The rules between the keys of `tls`: what mode "off" leaves unused, exactly one certificate, distinct ports. */
function tlsIssues(t: TlsObject): Issue[] {
  if (t.mode === "off") {
    return (["secretName", "certManager", ...PORT_KEYS] as const)
      .filter((key) => t[key] !== undefined)
      .map((key) => ({
        path: [key],
        message: `is not used with tls.mode "off" (no TLS port is opened): remove it, or set tls.mode to "optional" or "required"`,
      }));
  }
  const issues: Issue[] = [];
  if (t.secretName === undefined && t.certManager === undefined) {
    issues.push({
      path: [],
      message: `must name the certificate with tls.mode "${t.mode}": set tls.secretName (an existing kubernetes.io/tls Secret in the namespace) or tls.certManager (a cert-manager Certificate the component creates)`,
    });
  }
  if (t.secretName !== undefined && t.certManager !== undefined) {
    issues.push({
      path: ["certManager"],
      message: `must not be given with tls.secretName: the certificate comes from an existing Secret or from one cert-manager issues, not both; remove one`,
    });
  }
  return [...issues, ...portIssues({ ...t, mode: t.mode })];
}

/** `tls`: checked, then in the public shape with every default filled in. */
export const tlsSchema = tlsObject.transform((t, ctx) => {
  const issues = tlsIssues(t);
  for (const issue of issues) {
    ctx.issues.push({ code: "custom", input: t, path: [...issue.path], message: issue.message });
  }
  if (issues.length > 0) return z.NEVER;
  if (t.mode === "off") return { mode: t.mode };
  const on = {
    mode: t.mode,
    port: t.port ?? TLS_DEFAULTS.port,
    webPort: t.webPort ?? TLS_DEFAULTS.webPort,
    peerPort: t.peerPort ?? TLS_DEFAULTS.peerPort,
  };
  if (t.certManager !== undefined) {
    const { issuerKind, dnsNames, ...rest } = t.certManager;
    return {
      ...on,
      certManager: {
        ...rest,
        issuerKind: issuerKind ?? TLS_DEFAULTS.issuerKind,
        dnsNames: dnsNames ?? TLS_DEFAULTS.dnsNames,
      },
    };
  }
  // tlsIssues reported a missing certificate.
  return t.secretName !== undefined ? { ...on, secretName: t.secretName } : z.NEVER;
});

// The public `TlsSettings` is a plain union (the package's declarations must not name zod): this fails to
// compile when the schema stops taking a shape the union allows, or when its output stops being one.
const schemaTakesSettings: [TlsSettings] extends [z.input<typeof tlsSchema>] ? true : false = true;
const outputIsParsed: [z.output<typeof tlsSchema>] extends [ParsedTls] ? true : false = true;
const parsedIsSettings: [ParsedTls] extends [TlsSettings] ? true : false = true;
const certManagerMatches: [CertManagerSettings] extends [z.input<typeof certManagerSchema>] ? true : false =
  true;
void [schemaTakesSettings, outputIsParsed, parsedIsSettings, certManagerMatches];
