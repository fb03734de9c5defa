/**
 * A Kubernetes Secret volume on local disk, updated the way the kubelet does it (AtomicWriter): each
 * version goes into a fresh `..<timestamp>` directory, a `..data_tmp` symlink to it is renamed over
 * `..data` (one atomic step), and the visible files are symlinks through `..data`.
 */
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

export interface SecretFiles {
  readonly "tls.crt": Buffer;
  readonly "tls.key": Buffer;
  readonly "ca.crt"?: Buffer;
}

let version = 0;

/** Writes a new version of the Secret into dir (created if needed); returns when the swap is done. */
export function writeSecretVolume(dir: string, files: SecretFiles): void {
  mkdirSync(dir, { recursive: true });
  const name = `..${new Date().toISOString().replace(/[:.]/g, "_")}.${process.pid}.${++version}`;
  mkdirSync(join(dir, name));
  for (const [file, bytes] of Object.entries(files)) {
    if (bytes) writeFileSync(join(dir, name, file), bytes as Buffer, { mode: 0o600 });
  }
  const data = join(dir, "..data");
  const old = existsSync(data) ? readlinkSync(data) : null;
  symlinkSync(name, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), data);
  for (const file of Object.keys(files)) {
    if (!existsSync(join(dir, file))) symlinkSync(join("..data", file), join(dir, file));
  }
  if (old) rmSync(join(dir, old), { recursive: true, force: true });
}
