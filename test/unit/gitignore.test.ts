// .gitignore names only what the repository does not track (it once listed the stack files).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../..");

describe(".gitignore", () => {
  // A tarball or an export has no history to compare with.
  it.skipIf(!existsSync(join(root, ".git")))("ignores no tracked file", () => {
    const ignoredButTracked = execFileSync("git", ["ls-files", "-i", "-c", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(ignoredButTracked).toBe("");
  });
});
