/** The usual TLS setup of a test: a CA, one leaf it signs, and the pods' Secret volume holding both. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { issue, makeCa, type Ca, type LeafOptions, type Pem } from "./openssl-certs";
import { writeSecretVolume } from "./secret-volume";

export interface PodSecret {
  /** Where the certificates and keys are (`<dir>/pki`): issue more there. */
  readonly pki: string;
  readonly ca: Ca;
  readonly leaf: Pem;
  /** The Secret volume (`<dir>/secret`): tls.crt and tls.key of the leaf, ca.crt. */
  readonly secretDir: string;
}

/** A CA `ca`, a leaf `leaf` for the names, and the Secret volume, all under dir. */
export function podSecret(dir: string, names: LeafOptions): PodSecret {
  const pki = join(dir, "pki");
  mkdirSync(pki, { recursive: true });
  const ca = makeCa(pki, "ca");
  const leaf = issue(ca, pki, "leaf", names);
  const secretDir = join(dir, "secret");
  writeSecretVolume(secretDir, { "tls.crt": leaf.cert, "tls.key": leaf.key, "ca.crt": ca.cert });
  return { pki, ca, leaf, secretDir };
}
