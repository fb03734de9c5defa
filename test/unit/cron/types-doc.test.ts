// The hover text of the cron types: each declaration carries its own doc comment.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const file = join(__dirname, "../../../components/cron/types.ts");
const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);

/** The doc comment text of each top-level declaration, by name. */
function docs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) continue;
    out[statement.name.text] = ts
      .getJSDocCommentsAndTags(statement)
      .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
      .join("\n");
  }
  return out;
}

describe("components/cron/types.ts doc comments", () => {
  it("CronJob's text is on CronJob, and JsonValue has its own", () => {
    const byName = docs();
    expect(byName.CronJob).toMatch(/^A Faktory Enterprise cron job, as a typed definition\./);
    expect(byName.JsonValue).toMatch(/^A value JSON can carry/);
    expect(byName.JsonValue).not.toContain("cron job");
  });
});
