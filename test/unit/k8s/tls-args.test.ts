// The `tls` arg's rules, each message asserted whole (the arg path, the value received, what is allowed),
// through the component's entry point; the stack's wording of the same rules is in infra/config-tls.test.ts.
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../../components/k8s/settings";
import type { FaktoryArgs } from "../../../components/k8s/types";

const enterprise = {
  image: "repo/faktory-ha:1.9.4",
  redisUrl: "rediss://:token@redis:6379",
  license: "license",
  vpcCidrs: ["10.0.0.0/16"],
};

/** The component's problems, as a JavaScript caller gets them (untyped args). */
function problems(tls: unknown, args: object = enterprise): string[] {
  try {
    resolveSettings("jobs", { ...args, tls } as FaktoryArgs);
  } catch (e) {
    return (e as Error).message.split("\n  - ").slice(1);
  }
  return [];
}

const OFF_UNUSED =
  'is not used with tls.mode "off" (no TLS port is opened): remove it, or set tls.mode to "optional" or "required"';

describe("tls: accepted shapes and their defaults", () => {
  it("is off without tls, and with mode off", () => {
    expect(resolveSettings("jobs", enterprise).tls).toEqual({ mode: "off" });
    expect(resolveSettings("jobs", { ...enterprise, tls: { mode: "off" } }).tls).toEqual({ mode: "off" });
  });

  it("an existing Secret: the contract's ports and directory", () => {
    expect(
      resolveSettings("jobs", { ...enterprise, tls: { mode: "optional", secretName: "jobs-cert" } }).tls,
    ).toEqual({
      mode: "optional",
      port: 7429,
      webPort: 7430,
      peerPort: 17429,
      dir: "/etc/faktory-ha/tls",
      secretName: "jobs-cert",
    });
  });

  it("cert-manager: the Secret it writes is <name>-tls; an Issuer unless told, no extra names", () => {
    expect(
      resolveSettings("jobs", { ...enterprise, tls: { mode: "required", certManager: { issuerName: "ca" } } })
        .tls,
    ).toEqual({
      mode: "required",
      port: 7429,
      webPort: 7430,
      peerPort: 17429,
      dir: "/etc/faktory-ha/tls",
      secretName: "jobs-tls",
      certManager: { issuerName: "ca", issuerKind: "Issuer", dnsNames: [] },
    });
  });

  it("required may give the TLS ports the plain ports' numbers (they are closed then)", () => {
    const tls = { mode: "required", secretName: "c", port: 7419, webPort: 7420, peerPort: 17430 } as const;
    expect(resolveSettings("jobs", { ...enterprise, tls }).tls).toMatchObject({
      port: 7419,
      webPort: 7420,
      peerPort: 17430,
    });
  });

  it("takes every certManager setting", () => {
    const certManager = {
      issuerName: "internal-ca",
      issuerKind: "ClusterIssuer",
      dnsNames: ["faktory.example.com", "*.jobs.example.com"],
      duration: "720h",
      renewBefore: "240h",
    } as const;
    expect(
      resolveSettings("jobs", { ...enterprise, tls: { mode: "required", certManager } }).tls,
    ).toMatchObject({
      certManager,
    });
  });
});

describe("tls: refused (exact messages), nothing created", () => {
  const cases: [string, unknown, string[]][] = [
    ["no mode", {}, ['tls.mode must be one of "off", "optional", "required"']],
    ["an unknown mode", { mode: "on" }, ['tls.mode="on" must be one of "off", "optional", "required"']],
    [
      "a misspelt key",
      { mode: "required", secretNmae: "c" },
      [
        'tls.secretNmae is not a known key; did you mean "secretName"?',
        'tls must name the certificate with tls.mode "required": set tls.secretName (an existing kubernetes.io/tls Secret in the namespace) or tls.certManager (a cert-manager Certificate the component creates)',
      ],
    ],
    [
      "TLS on without a certificate",
      { mode: "required" },
      [
        'tls must name the certificate with tls.mode "required": set tls.secretName (an existing kubernetes.io/tls Secret in the namespace) or tls.certManager (a cert-manager Certificate the component creates)',
      ],
    ],
    [
      "both certificates",
      { mode: "optional", secretName: "c", certManager: { issuerName: "ca" } },
      [
        "tls.certManager must not be given with tls.secretName: the certificate comes from an existing Secret or from one cert-manager issues, not both; remove one",
      ],
    ],
    [
      "settings mode off leaves unused",
      { mode: "off", secretName: "c", certManager: { issuerName: "ca" }, port: 7429 },
      [`tls.secretName="c" ${OFF_UNUSED}`, `tls.certManager ${OFF_UNUSED}`, `tls.port=7429 ${OFF_UNUSED}`],
    ],
    [
      "a Secret name Kubernetes refuses",
      { mode: "required", secretName: "Jobs_Cert" },
      [`tls.secretName="Jobs_Cert" must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)`],
    ],
    [
      "a port out of range",
      { mode: "required", secretName: "c", port: 70000 },
      ["tls.port=70000 must be the TLS job port: an integer from 1 to 65535"],
    ],
    [
      "a fractional web port",
      { mode: "required", secretName: "c", webPort: 7430.5 },
      ["tls.webPort=7430.5 must be the TLS web UI port: an integer from 1 to 65535"],
    ],
    [
      "a peer port of 0",
      { mode: "required", secretName: "c", peerPort: 0 },
      ["tls.peerPort=0 must be the peer TLS port: an integer from 1 to 65535"],
    ],
    [
      "the plain job port in optional mode",
      { mode: "optional", secretName: "c", port: 7419 },
      [
        'tls.port=7419 is also the plain job port (7419), which tls.mode "optional" keeps open: each port a pod opens must differ; choose another, or set tls.mode to "required", which closes the plain ports (TLS may then take 7419)',
      ],
    ],
    [
      "the plain web port in optional mode",
      { mode: "optional", secretName: "c", webPort: 7420 },
      [
        'tls.webPort=7420 is also the plain web UI port (7420), which tls.mode "optional" keeps open: each port a pod opens must differ; choose another, or set tls.mode to "required", which closes the plain ports (TLS may then take 7420)',
      ],
    ],
    [
      "the health port",
      { mode: "required", secretName: "c", peerPort: 7421 },
      ["tls.peerPort=7421 is also the health port (7421): each port a pod opens must differ; choose another"],
    ],
    [
      "Faktory's internal port",
      { mode: "required", secretName: "c", port: 17419 },
      [
        "tls.port=17419 is also Faktory's internal job port (17419): each port a pod opens must differ; choose another",
      ],
    ],
    [
      "Faktory's internal web port",
      { mode: "required", secretName: "c", webPort: 17420 },
      [
        "tls.webPort=17420 is also Faktory's internal web port (17420): each port a pod opens must differ; choose another",
      ],
    ],
    [
      "two TLS ports alike",
      { mode: "required", secretName: "c", port: 7419, webPort: 7419 },
      ["tls.webPort=7419 is also tls.port (7419): each port a pod opens must differ; choose another"],
    ],
    [
      "a given TLS port on another's default",
      { mode: "required", secretName: "c", port: 17429 },
      [
        "tls.port=17429 is also tls.peerPort (17429, its default): each port a pod opens must differ; choose another",
      ],
    ],
    [
      "a bad issuer name",
      { mode: "required", certManager: { issuerName: "Internal CA" } },
      [
        `tls.certManager.issuerName="Internal CA" must be the name of a cert-manager Issuer or ClusterIssuer (lowercase letters, digits, '-', '.'; at most 253)`,
      ],
    ],
    [
      "no issuer name",
      { mode: "required", certManager: {} },
      [
        "tls.certManager.issuerName must be the name of a cert-manager Issuer or ClusterIssuer (lowercase letters, digits, '-', '.'; at most 253)",
      ],
    ],
    [
      "an unknown issuer kind",
      { mode: "required", certManager: { issuerName: "ca", issuerKind: "AWSPCAClusterIssuer" } },
      ['tls.certManager.issuerKind="AWSPCAClusterIssuer" must be one of "Issuer", "ClusterIssuer"'],
    ],
    [
      "a DNS name with capitals",
      { mode: "required", certManager: { issuerName: "ca", dnsNames: ["Faktory.example.com"] } },
      [
        'tls.certManager.dnsNames[0]="Faktory.example.com" must be a DNS name such as faktory.example.com (lowercase; a wildcard only as the first label, *.example.com)',
      ],
    ],
    [
      "a wildcard that is not the first label",
      { mode: "required", certManager: { issuerName: "ca", dnsNames: ["jobs.*.example.com"] } },
      [
        'tls.certManager.dnsNames[0]="jobs.*.example.com" must be a DNS name such as faktory.example.com (lowercase; a wildcard only as the first label, *.example.com)',
      ],
    ],
    [
      "DNS names not in a list",
      { mode: "required", certManager: { issuerName: "ca", dnsNames: "faktory.example.com" } },
      [
        'tls.certManager.dnsNames="faktory.example.com" must be a list of DNS names, e.g. ["faktory.example.com"]',
      ],
    ],
    [
      "a duration under cert-manager's hour",
      { mode: "required", certManager: { issuerName: "ca", duration: "30m" } },
      ['tls.certManager.duration="30m" must be a Go duration of at least 1h, such as "2160h" (90 days)'],
    ],
    [
      "a duration in days (no Go unit)",
      { mode: "required", certManager: { issuerName: "ca", duration: "90d" } },
      ['tls.certManager.duration="90d" must be a Go duration of at least 1h, such as "2160h" (90 days)'],
    ],
    [
      "a renewal under 5 minutes ahead",
      { mode: "required", certManager: { issuerName: "ca", renewBefore: "1m" } },
      ['tls.certManager.renewBefore="1m" must be a Go duration of at least 5m, such as "720h" (30 days)'],
    ],
    [
      "a renewal not before the default duration",
      { mode: "required", certManager: { issuerName: "ca", renewBefore: "2160h" } },
      [
        `tls.certManager.renewBefore="2160h" must be shorter than tls.certManager.duration ("2160h", cert-manager's default): cert-manager renews that long before expiry`,
      ],
    ],
    [
      "a renewal not before the given duration",
      { mode: "required", certManager: { issuerName: "ca", duration: "24h", renewBefore: "1440m" } },
      [
        'tls.certManager.renewBefore="1440m" must be shorter than tls.certManager.duration ("24h"): cert-manager renews that long before expiry',
      ],
    ],
    [
      "a misspelt certManager key",
      { mode: "required", certManager: { issuerName: "ca", isuerKind: "Issuer" } },
      ['tls.certManager.isuerKind is not a known key; did you mean "issuerKind"?'],
    ],
  ];
  it.each(cases)("%s", (_label, tls, expected) => {
    expect(problems(tls)).toEqual(expected);
  });

  it("with oss, whatever its shape: open-source Faktory has no supervisor to serve TLS", () => {
    const oss = { edition: "oss", image: "contribsys/faktory:1.9.4", vpcCidrs: ["10.0.0.0/16"] };
    const message =
      'tls is not used with edition "oss" (the TLS ports are served by the faktory-ha supervisor\'s routers; open-source Faktory alone has no TLS): remove it or set edition to "enterprise"';
    expect(problems({ mode: "required", secretName: "c" }, oss)).toEqual([message]);
    expect(problems({ mode: "off" }, oss)).toEqual([message]);
  });
});
