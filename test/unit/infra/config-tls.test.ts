// `faktory-ha:tls`: the component's `tls` arg as a stack key, parsed by the component's own schema, so
// each rule's message names the stack key (the component's wording: k8s/tls-args.test.ts).
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../infra/config";
import { PROD_SECRETS, PROD_STACK, problemsOf } from "./problems";

const stack = PROD_STACK;
const secrets = PROD_SECRETS;
const withTls = (tls: unknown) => ({ ...stack, "faktory-ha:tls": JSON.stringify(tls) });

describe("faktory-ha:tls", () => {
  it("is absent (TLS off) unless set", () => {
    expect(parseStackConfig(stack, secrets).tls).toBeUndefined();
  });

  it("takes the component's shape and fills its defaults, ready for the component", () => {
    expect(parseStackConfig(withTls({ mode: "required", secretName: "faktory-tls" }), secrets).tls).toEqual({
      mode: "required",
      port: 7429,
      webPort: 7430,
      peerPort: 17429,
      secretName: "faktory-tls",
    });
    expect(
      parseStackConfig(
        withTls({
          mode: "optional",
          certManager: { issuerName: "internal-ca", issuerKind: "ClusterIssuer" },
        }),
        secrets,
      ).tls,
    ).toEqual({
      mode: "optional",
      port: 7429,
      webPort: 7430,
      peerPort: 17429,
      certManager: { issuerName: "internal-ca", issuerKind: "ClusterIssuer", dnsNames: [] },
    });
  });

  it.each([
    [
      "no certificate",
      { mode: "required" },
      [
        'faktory-ha:tls: got {"mode":"required"}; must name the certificate with tls.mode "required": set tls.secretName (an existing kubernetes.io/tls Secret in the namespace) or tls.certManager (a cert-manager Certificate the component creates)',
      ],
    ],
    [
      "a misspelt key",
      { mode: "required", secretName: "c", prot: 7419 },
      ['faktory-ha:tls.prot: got 7419; unknown key; did you mean "port"?'],
    ],
    [
      "a TLS port on the health port",
      { mode: "required", secretName: "c", webPort: 7421 },
      [
        "faktory-ha:tls.webPort: got 7421; is also the health port (7421): each port a pod opens must differ; choose another",
      ],
    ],
    [
      "the plain job port beside it",
      { mode: "optional", secretName: "c", port: 7419 },
      [
        'faktory-ha:tls.port: got 7419; is also the plain job port (7419), which tls.mode "optional" keeps open: each port a pod opens must differ; choose another, or set tls.mode to "required", which closes the plain ports (TLS may then take 7419)',
      ],
    ],
    [
      "two certificates",
      { mode: "required", secretName: "c", certManager: { issuerName: "ca" } },
      [
        'faktory-ha:tls.certManager: got {"issuerName":"ca"}; must not be given with tls.secretName: the certificate comes from an existing Secret or from one cert-manager issues, not both; remove one',
      ],
    ],
    [
      "an issuer kind cert-manager does not have",
      { mode: "required", certManager: { issuerName: "ca", issuerKind: "Vault" } },
      ['faktory-ha:tls.certManager.issuerKind: got "Vault"; must be one of "Issuer", "ClusterIssuer"'],
    ],
    [
      "a port given with TLS off",
      { mode: "off", port: 7429 },
      [
        'faktory-ha:tls.port: got 7429; is not used with tls.mode "off" (no TLS port is opened): remove it, or set tls.mode to "optional" or "required"',
      ],
    ],
  ])("refuses %s, naming the stack key", (_label, tls, expected) => {
    expect(problemsOf(withTls(tls), secrets)).toEqual(expected);
  });
});
