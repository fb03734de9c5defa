// The source speaks for itself: a comment or hover text that points at one of this project's own issues
// ("(issue 3)") means nothing to a reader of the library. References to other projects' issues
// ("contribsys/faktory issue 521") name their repository and stay.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
const SOURCE_DIRS = [
  "components",
  "provider",
  "infra",
  "cli",
  "supervisor/src",
  "policies",
  "bench",
  "scripts",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "bin" ? [] : sourceFiles(rel);
    return /\.(ts|mts|mjs|sh)$/.test(e.name) ? [rel] : [];
  });
}

/** "issue 3", "(issues 3 and 4)", "issue #12" not preceded by an `owner/repo` name. */
export function ownIssueReferences(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\bissues? #?\d+/gi)) {
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (/[\w.-]+\/[\w.-]+\s*(?:PR|pull request)?\s*$/i.test(before)) continue;
    found.push(m[0]);
  }
  return found;
}

describe("source hygiene", () => {
  it("tells own issue references from other projects'", () => {
    expect(ownIssueReferences("as decided in (issue 3), see issue #12")).toEqual(["issue 3", "issue #12"]);
    expect(ownIssueReferences("users report it (contribsys/faktory issue 521)")).toEqual([]);
  });

  it("cites none of this project's issues in code or comments", () => {
    const hits = SOURCE_DIRS.flatMap(sourceFiles).flatMap((f) =>
      ownIssueReferences(readFileSync(join(root, f), "utf8")).map((ref) => `${f}: ${ref}`),
    );
    expect(hits).toEqual([]);
  });
});
