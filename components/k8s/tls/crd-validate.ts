// Offline checks of the cert-manager Certificate (cert-manager.io/v1) the component can create, for
// `validateKubernetesObject`: the CRD's required fields and enums, and what cert-manager's webhook
// refuses (no subject name, a duration under an hour, a renewal not before expiry).
import { isObj, metadataErrors, model, type Obj, type SchemaError } from "../crd-model";
import { goDurationMs } from "./args-schema";

const USAGES = new Set([
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
]);
const KEY_SIZES: Readonly<Record<string, readonly number[]>> = {
  ECDSA: [256, 384, 521],
  RSA: [2048, 3072, 4096, 8192],
  Ed25519: [],
};
const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "");

function durationErrors(spec: Obj): SchemaError[] {
  const errors: SchemaError[] = [];
  const ms = (key: "duration" | "renewBefore", floor: string): number | undefined => {
    const v = spec[key];
    if (v === undefined) return undefined;
    const parsed = typeof v === "string" ? goDurationMs(v) : undefined;
    if (parsed === undefined || parsed < (goDurationMs(floor) ?? 0)) {
      errors.push({ instancePath: `/spec/${key}`, message: `must be a Go duration of at least ${floor}` });
    }
    return parsed;
  };
  const duration = ms("duration", "1h") ?? goDurationMs("2160h") ?? 0;
  const renewBefore = ms("renewBefore", "5m");
  if (renewBefore !== undefined && renewBefore >= duration) {
    errors.push({ instancePath: "/spec/renewBefore", message: "must be shorter than the duration" });
  }
  return errors;
}

function privateKeyErrors(key: unknown): SchemaError[] {
  if (key === undefined) return [];
  if (!isObj(key)) return [{ instancePath: "/spec/privateKey", message: "must be an object" }];
  const errors: SchemaError[] = [];
  const sizes = typeof key.algorithm === "string" ? KEY_SIZES[key.algorithm] : undefined;
  if (key.algorithm !== undefined && sizes === undefined) {
    errors.push({ instancePath: "/spec/privateKey/algorithm", message: "must be RSA, ECDSA or Ed25519" });
  } else if (sizes !== undefined && key.size !== undefined && !sizes.includes(key.size as number)) {
    errors.push({
      instancePath: "/spec/privateKey/size",
      message: `must be one of ${sizes.join(", ") || "none"} for ${String(key.algorithm)}`,
    });
  }
  if (key.rotationPolicy !== undefined && key.rotationPolicy !== "Never" && key.rotationPolicy !== "Always") {
    errors.push({ instancePath: "/spec/privateKey/rotationPolicy", message: 'must be "Never" or "Always"' });
  }
  return errors;
}

function certificateErrors(o: Obj): SchemaError[] {
  const errors = metadataErrors(o);
  const spec = o.spec;
  if (!isObj(spec)) return [...errors, { instancePath: "/spec", message: "must be an object" }];
  if (typeof spec.secretName !== "string" || spec.secretName === "") {
    errors.push({ instancePath: "/spec/secretName", message: "is required" });
  }
  const issuer = spec.issuerRef;
  if (!isObj(issuer) || typeof issuer.name !== "string" || issuer.name === "") {
    errors.push({ instancePath: "/spec/issuerRef/name", message: "is required" });
  }
  const names = ["dnsNames", "ipAddresses", "uris", "emailAddresses"] as const;
  for (const key of names.filter((k) => spec[k] !== undefined && !isStringList(spec[k]))) {
    errors.push({ instancePath: `/spec/${key}`, message: "must be a list of non-empty strings" });
  }
  const subject =
    (typeof spec.commonName === "string" && spec.commonName !== "") ||
    names.some((k) => Array.isArray(spec[k]) && spec[k].length > 0);
  if (!subject) {
    errors.push({ instancePath: "/spec", message: "must name a subject: commonName, dnsNames or another" });
  }
  const usages = spec.usages ?? [];
  if (!Array.isArray(usages) || usages.some((u) => typeof u !== "string" || !USAGES.has(u))) {
    errors.push({ instancePath: "/spec/usages", message: "must list cert-manager key usages" });
  }
  return [...errors, ...durationErrors(spec), ...privateKeyErrors(spec.privateKey)];
}

export const tlsModels: Readonly<Record<string, (o: Obj) => { validate(): void }>> = {
  "cert-manager.io/v1/Certificate": model(certificateErrors),
};
