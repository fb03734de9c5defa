// The lease timings' hover text quotes the contract's numbers (JSDoc cannot reference a constant): this keeps
// each `@default` and the fence margin the text names equal to the contract, so a changed default cannot
// leave the documentation behind.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { FENCE_MARGIN_MS, LEASE_DEFAULTS, STARTUP_DEFAULTS } from "../../../components/contract/supervisor";

const file = join(__dirname, "../../../components/k8s/types.ts");

/** Each property of an interface of types.ts with its doc comment's text and `@default` value. */
function leaseDocs(name = "LeaseSettings"): Map<string, { text: string; default?: string }> {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out = new Map<string, { text: string; default?: string }>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
      const tag = docs.flatMap((d) => d.tags ?? []).find((t) => t.tagName.text === "default");
      out.set(member.name.text, { text, default: ts.getTextOfJSDocComment(tag?.comment)?.trim() });
    }
  });
  return out;
}

describe("LeaseSettings documentation", () => {
  const docs = leaseDocs();

  it("documents every lease setting the contract has a default for", () => {
    expect([...docs.keys()].sort()).toEqual(Object.keys(LEASE_DEFAULTS).sort());
  });

  it.each(Object.entries(LEASE_DEFAULTS))("%s: @default is the contract's %s", (key, value) => {
    expect(docs.get(key)?.default).toBe(JSON.stringify(value));
  });

  it("names the contract's fence margin wherever it states a timing rule", () => {
    const rules = [...docs.values()].filter((d) => /must be ≤ ttl/.test(d.text));
    expect(rules.length).toBeGreaterThan(0);
    for (const d of rules) expect(d.text).toContain(`+ ${FENCE_MARGIN_MS} ms must be ≤ ttl`);
  });
});

describe("StartupSettings documentation", () => {
  const docs = leaseDocs("StartupSettings");

  it.each(Object.entries(STARTUP_DEFAULTS))("%s: @default begins with the contract's %s", (key, value) => {
    expect(docs.get(key)?.default?.split(" ")[0]).toBe(JSON.stringify(value));
  });
});
