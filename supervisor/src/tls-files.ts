import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { SUPERVISOR_TLS, TLS_FILES } from "../../components/contract/supervisor";

/** The bytes of a TLS Secret's files, read together. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

/** A checked certificate and key: what servers and the peer dialer use, and what may be logged of it. */
export interface TlsIdentity {
  readonly files: TlsFiles;
  /** SHA-256 of the leaf certificate (as openssl prints it): what a log line or a test compares. */
  readonly fingerprint: string;
  readonly notAfter: string;
  /** The names the leaf certificate is for (DNS names, then the CN when it has none). */
  readonly names: readonly string[];
  /** Hash of every file's bytes: a re-read that gives the same digest changed nothing. */
  readonly digest: string;
}

/** A file of the Secret is missing or wrong; the message names the file, never its contents. */
export class TlsFilesError extends Error {
  override readonly name = "TlsFilesError";
}

/**
 * Reads the files of one version of the Secret. Kubernetes writes each version into a directory of its
 * own and swaps the `..data` symlink to it atomically; reading through that link's target gives three
 * files of the same version, where reading `tls.crt` and `tls.key` one after the other could straddle
 * a swap. A plain directory (no `..data`) is read as it is.
 */
export function readTlsFiles(dir: string): TlsFiles {
  let base = dir;
  const data = join(dir, "..data");
  if (existsSync(data)) {
    try {
      base = realpathSync(data);
    } catch {
      // swapped away between the two calls: the files through the directory are as good
    }
  }
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(base, name));
    } catch (e) {
      throw new TlsFilesError(
        `${join(dir, name)} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  };
  const ca = existsSync(join(base, TLS_FILES.ca)) ? read(TLS_FILES.ca) : undefined;
  return { cert: read(TLS_FILES.cert), key: read(TLS_FILES.key), ...(ca && { ca }) };
}

/** Checks that the files make a usable pair (the key is the certificate's); throws TlsFilesError. */
export function checkTlsFiles(dir: string, files: TlsFiles): TlsIdentity {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(files.cert);
  } catch {
    throw new TlsFilesError(`${join(dir, TLS_FILES.cert)} holds no PEM certificate`);
  }
  let key;
  try {
    key = createPrivateKey(files.key);
  } catch {
    throw new TlsFilesError(`${join(dir, TLS_FILES.key)} holds no PEM private key`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsFilesError(
      `${join(dir, TLS_FILES.key)} does not match ${join(dir, TLS_FILES.cert)} (a key of another certificate)`,
    );
  }
  if (files.ca) {
    try {
      new X509Certificate(files.ca);
    } catch {
      throw new TlsFilesError(`${join(dir, TLS_FILES.ca)} holds no PEM certificate`);
    }
  }
  try {
    createSecureContext(contextOptions(files));
  } catch (e) {
    throw new TlsFilesError(`${dir}: OpenSSL refuses the files (${(e as Error).message})`);
  }
  const digest = createHash("sha256");
  for (const b of [files.cert, files.key, files.ca ?? Buffer.alloc(0)]) digest.update(b).update("\0");
  return {
    files,
    fingerprint: leaf.fingerprint256,
    notAfter: new Date(leaf.validTo).toISOString(),
    names: namesOf(leaf),
    digest: digest.digest("hex"),
  };
}

/**
 * The configuration error of a Secret that is missing or wrong at start: the variable, its value, what
 * is wrong with which file, and what is expected there.
 */
export function tlsStartError(dir: string, e: TlsFilesError): string {
  return `${SUPERVISOR_TLS.dir.env}=${JSON.stringify(dir)}: ${e.message}; expected a mounted Kubernetes TLS Secret (${TLS_FILES.cert}, ${TLS_FILES.key}, optionally ${TLS_FILES.ca})`;
}

/** Reads and checks the Secret's files: the identity to serve, or TlsFilesError. */
export function loadTlsIdentity(dir: string): TlsIdentity {
  return checkTlsFiles(dir, readTlsFiles(dir));
}

/**
 * What a server presents: tls.crt as it is (a leaf, or a leaf and its intermediates, as cert-manager
 * writes it) and its key. ca.crt is for verifying peers (the peer dialer), not sent: a client must
 * trust the root on its own, and OpenSSL would otherwise append the root to the chain it sends.
 */
export function contextOptions(files: TlsFiles): SecureContextOptions {
  return { cert: files.cert, key: files.key };
}

function namesOf(cert: X509Certificate): string[] {
  const dns = (cert.subjectAltName ?? "")
    .split(", ")
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4));
  if (dns.length > 0) return dns;
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn ? [cn] : [];
}
