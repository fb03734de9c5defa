import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../supervisor/src/log";
import { peerName } from "../../../supervisor/src/peer-server";
import { TlsCredentials } from "../../../supervisor/src/tls-credentials";
import { loadTlsIdentity, TlsFilesError } from "../../../supervisor/src/tls-files";
import { issue, makeCa, writeSecretVolume, type Ca, type Pem } from "../../support/tls";

// The Secret's files as the supervisor reads them: real certificates from the openssl CLI, a volume
// written the kubelet's way, and every message a wrong file gets.
let dir: string;
let ca: Ca;
let a: Pem;
let b: Pem;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fha-tls-files-"));
  ca = makeCa(dir, "ca");
  a = issue(ca, dir, "a", { dns: ["faktory.ns.svc", "*.faktory.ns.svc"], ips: ["10.0.0.1"] });
  b = issue(ca, dir, "b", { dns: ["faktory.ns.svc"] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function volume(files: Record<string, Buffer | string>): string {
  const d = join(dir, `vol-${++n}`);
  writeSecretVolume(d, {
    "tls.crt": Buffer.from(files["tls.crt"] ?? ""),
    "tls.key": Buffer.from(files["tls.key"] ?? ""),
    ...(files["ca.crt"] !== undefined && { "ca.crt": Buffer.from(files["ca.crt"]) }),
  });
  return d;
}

function errorOf(d: string): string {
  try {
    loadTlsIdentity(d);
  } catch (e) {
    expect(e).toBeInstanceOf(TlsFilesError);
    return (e as Error).message;
  }
  throw new Error("expected a TlsFilesError");
}

describe("loadTlsIdentity", () => {
  it("reads a Secret volume and says what it serves (never the key)", () => {
    const d = volume({ "tls.crt": a.cert, "tls.key": a.key, "ca.crt": ca.cert });
    const id = loadTlsIdentity(d);
    expect(id).toMatchObject({
      fingerprint: a.fingerprint,
      names: ["faktory.ns.svc", "*.faktory.ns.svc"],
      files: { cert: a.cert, key: a.key, ca: ca.cert },
    });
    expect(Date.parse(id.notAfter)).toBeGreaterThan(Date.now());
  });

  it("takes a plain directory, and ca.crt is optional", () => {
    const d = join(dir, "plain");
    mkdirSync(d);
    writeFileSync(join(d, "tls.crt"), b.cert);
    writeFileSync(join(d, "tls.key"), b.key);
    const id = loadTlsIdentity(d);
    expect(id.fingerprint).toBe(b.fingerprint);
    expect(id.files.ca).toBeUndefined();
  });

  it.each([
    [
      "a missing directory",
      () => join(dir, "nowhere"),
      (d: string) => `${d}/tls.crt cannot be read (ENOENT)`,
    ],
    [
      "a certificate that is not PEM",
      () => volume({ "tls.crt": "not a certificate", "tls.key": "x" }),
      (d: string) => `${d}/tls.crt holds no PEM certificate`,
    ],
    [
      "a key that is not PEM",
      () => volume({ "tls.crt": a.cert, "tls.key": "not a key" }),
      (d: string) => `${d}/tls.key holds no PEM private key`,
    ],
    [
      "the key of another certificate",
      () => volume({ "tls.crt": a.cert, "tls.key": b.key }),
      (d: string) => `${d}/tls.key does not match ${d}/tls.crt (a key of another certificate)`,
    ],
    [
      "a ca.crt that is not PEM",
      () => volume({ "tls.crt": a.cert, "tls.key": a.key, "ca.crt": "junk" }),
      (d: string) => `${d}/ca.crt holds no PEM certificate`,
    ],
  ])("refuses %s, naming the file", (_name, make, message) => {
    const d = make();
    const msg = errorOf(d);
    expect(msg).toBe(message(d));
    expect(msg).not.toContain("PRIVATE KEY");
  });
});

describe("TlsCredentials", () => {
  function logged() {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("test", (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    return { lines, log };
  }

  it("replaces a renewed pair on the next check and tells its listeners; the same files change nothing", () => {
    const d = volume({ "tls.crt": a.cert, "tls.key": a.key });
    const { lines, log } = logged();
    const creds = new TlsCredentials(d, loadTlsIdentity(d), log);
    const seen: string[] = [];
    creds.onChange((id) => seen.push(id.fingerprint));
    creds.check();
    expect(seen).toEqual([]);
    writeSecretVolume(d, { "tls.crt": b.cert, "tls.key": b.key });
    creds.check();
    creds.check();
    expect(seen).toEqual([b.fingerprint]);
    expect(creds.current.fingerprint).toBe(b.fingerprint);
    expect(lines.filter((l) => l.event === "tls.reloaded")).toMatchObject([
      { fingerprint: b.fingerprint, previous: a.fingerprint, names: ["faktory.ns.svc"] },
    ]);
  });

  it("keeps the old pair when the new one is bad, says so once, and takes the next good one", () => {
    const d = volume({ "tls.crt": a.cert, "tls.key": a.key });
    const { lines, log } = logged();
    const creds = new TlsCredentials(d, loadTlsIdentity(d), log);
    writeSecretVolume(d, { "tls.crt": b.cert, "tls.key": a.key });
    creds.check();
    creds.check();
    expect(creds.current.fingerprint).toBe(a.fingerprint);
    const failed = lines.filter((l) => l.event === "tls.reload_failed");
    expect(failed).toMatchObject([
      {
        error: `${d}/tls.key does not match ${d}/tls.crt (a key of another certificate)`,
        kept: a.fingerprint,
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain("PRIVATE KEY");
    writeSecretVolume(d, { "tls.crt": b.cert, "tls.key": b.key });
    creds.check();
    expect(creds.current.fingerprint).toBe(b.fingerprint);
  });

  it("notices a swap by itself: by the directory watch, long before the poll", async () => {
    const d = volume({ "tls.crt": a.cert, "tls.key": a.key });
    const { log } = logged();
    const creds = new TlsCredentials(d, loadTlsIdentity(d), log, 60_000);
    creds.start();
    try {
      const t0 = Date.now();
      writeSecretVolume(d, { "tls.crt": b.cert, "tls.key": b.key });
      while (creds.current.fingerprint !== b.fingerprint && Date.now() - t0 < 5_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(creds.current.fingerprint).toBe(b.fingerprint);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      creds.stop();
    }
  });

  it("notices a swap by its poll when there is no watch event", async () => {
    const d = volume({ "tls.crt": a.cert, "tls.key": a.key });
    const { log } = logged();
    // The files are written before start(): no watch event will ever come for them.
    const creds = new TlsCredentials(d, loadTlsIdentity(d), log, 100);
    writeSecretVolume(d, { "tls.crt": b.cert, "tls.key": b.key });
    creds.start();
    try {
      const t0 = Date.now();
      while (creds.current.fingerprint !== b.fingerprint && Date.now() - t0 < 5_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(creds.current.fingerprint).toBe(b.fingerprint);
    } finally {
      creds.stop();
    }
  });
});

describe("peerName", () => {
  it.each([
    [["faktory.ns.svc", "*.faktory.ns.svc"], "faktory.ns.svc"],
    [["*.faktory.ns.svc", "faktory.example.com"], "faktory.example.com"],
    [["*.faktory.ns.svc"], "peer.faktory.ns.svc"],
    [[], undefined],
  ])("verifies a peer of %j as %s", (names, expected) => {
    expect(peerName(names)).toBe(expected);
  });
});
