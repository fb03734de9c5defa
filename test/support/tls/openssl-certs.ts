/**
 * Certificates for tests, made by the openssl CLI as an operator (or cert-manager) would: a CA, and
 * leaf certificates it signs for given names, valid or already expired. EC P-256 keys: quick to make.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pem {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 fingerprint as node prints it (X509Certificate.fingerprint256, getPeerCertificate()). */
  readonly fingerprint: string;
}

export interface Ca extends Pem {
  readonly certPath: string;
  readonly keyPath: string;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function pem(certPath: string, keyPath: string): Pem {
  const cert = readFileSync(certPath);
  return { cert, key: readFileSync(keyPath), fingerprint: new X509Certificate(cert).fingerprint256 };
}

/** A self-signed CA named `name`, its files in dir. */
export function makeCa(dir: string, name: string): Ca {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-subj",
    `/CN=${name}`,
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  return { ...pem(certPath, keyPath), certPath, keyPath };
}

export interface LeafOptions {
  readonly dns: readonly string[];
  readonly ips?: readonly string[];
  /** Validity from now; negative gives a certificate that has already expired. @default 30 */
  readonly days?: number;
}

/** A leaf certificate for the names, signed by ca. */
export function issue(ca: Ca, dir: string, name: string, o: LeafOptions): Pem {
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.crt`);
  const extPath = join(dir, `${name}.ext`);
  const san = [...o.dns.map((d) => `DNS:${d}`), ...(o.ips ?? []).map((ip) => `IP:${ip}`)].join(",");
  writeFileSync(extPath, `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(
    dir,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    csrPath,
    "-subj",
    `/CN=${o.dns[0]}`,
  );
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    ca.certPath,
    "-CAkey",
    ca.keyPath,
    "-CAcreateserial",
    "-out",
    certPath,
    "-days",
    String(o.days ?? 30),
    "-extfile",
    extPath,
  );
  return pem(certPath, keyPath);
}
