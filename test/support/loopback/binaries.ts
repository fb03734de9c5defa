/** Where the repository is, and the real binaries the loopback cluster runs. */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../../..");

/** Our stand-in `redis-server`, put first on Faktory's PATH (see the file for why). */
export const SHARED_REDIS_BIN = join(REPO_ROOT, "supervisor/dev/shared-redis-bin");

/** The real Faktory binary: FAKTORY_BIN, else `faktory` on PATH, else .tools/bin. Throws if absent. */
export function faktoryBin(): string {
  const candidates = [
    process.env.FAKTORY_BIN,
    ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "faktory")),
    join(REPO_ROOT, ".tools/bin/faktory"),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  throw new Error(
    "Faktory binary not found: set FAKTORY_BIN or put `faktory` on PATH (scripts/install-faktory.sh builds it into .tools/bin)",
  );
}

export function redisServerBin(): string {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const p = r.stdout.trim();
  if (!p) throw new Error("redis-server not found on PATH: install the redis-server package (.ci/run does)");
  return p;
}
