// The Workers component's documentation: every optional arg has a `@default` equal to WORKERS_DEFAULTS (JSDoc
// cannot reference a constant), and the README's consumer program is the type-checked fixture.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { WORKERS_DEFAULTS } from "../../../components/k8s/workers/defaults";

const root = join(__dirname, "../../..");
const file = join(root, "components/k8s/workers/types.ts");

interface Doc {
  readonly optional: boolean;
  readonly never: boolean;
  readonly text: string;
  readonly default?: string;
}

/** Each property of each interface of types.ts: optional or not, its doc text and `@default`. */
function docs(): Map<string, Doc> {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out = new Map<string, Doc>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      const jsdoc = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const tag = jsdoc.flatMap((d) => d.tags ?? []).find((t) => t.tagName.text === "default");
      out.set(`${node.name.text}.${member.name.text}`, {
        optional: member.questionToken !== undefined,
        never: member.type?.kind === ts.SyntaxKind.NeverKeyword,
        text: jsdoc.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" "),
        default: ts.getTextOfJSDocComment(tag?.comment)?.trim(),
      });
    }
  });
  return out;
}

describe("Workers documentation", () => {
  const all = docs();

  it("gives every optional arg a @default", () => {
    const missing = [...all]
      .filter(([, d]) => d.optional && !d.never && d.default === undefined)
      .map(([k]) => k);
    expect(missing).toEqual([]);
    expect(all.size).toBeGreaterThan(25);
  });

  it("quotes WORKERS_DEFAULTS in each @default", () => {
    const A = WORKERS_DEFAULTS.autoscaling;
    const expected: Record<string, unknown> = {
      "WorkersArgsBase.queues": JSON.stringify(WORKERS_DEFAULTS.queues),
      "WorkersArgsBase.concurrency": WORKERS_DEFAULTS.concurrency,
      "WorkersArgsBase.shutdownTimeoutSeconds": WORKERS_DEFAULTS.shutdownTimeoutSeconds,
      "WorkersArgsBase.replicas": WORKERS_DEFAULTS.replicas,
      "WorkersArgsBase.maxUnavailable": JSON.stringify(WORKERS_DEFAULTS.maxUnavailable),
      "ExternalFaktory.port": `${WORKERS_DEFAULTS.port}, or ${WORKERS_DEFAULTS.tlsPort} (faktory-ha's TLS port) with \`tls\``,
      "WorkerAutoscaling.activationLatencySeconds": A.activationLatencySeconds,
      "WorkerAutoscaling.activationBacklog": A.activationBacklog,
      "WorkerAutoscaling.minReplicas": A.minReplicas,
      "WorkerAutoscaling.maxReplicas": A.maxReplicas,
      "WorkerAutoscaling.cooldownSeconds": A.cooldownSeconds,
      "WorkerAutoscaling.pollingIntervalSeconds": A.pollingIntervalSeconds,
      "WorkerAutoscaling.scaleDownStabilizationSeconds": A.scaleDownStabilizationSeconds,
    };
    for (const [key, value] of Object.entries(expected))
      expect(all.get(key)?.default, key).toBe(String(value));
    expect(all.get("WorkersArgsBase.shutdownTimeoutSeconds")?.text).toContain(
      `this + ${WORKERS_DEFAULTS.shutdownMarginSeconds}.`,
    );
  });

  it("shows in components/README.md the consumer program the tests type-check", () => {
    const readme = readFileSync(join(root, "components/README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Workers"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    const fixture = readFileSync(join(root, "test/fixtures/consumer-ts/workers.ts"), "utf8");
    // The fixture's opening comment says what it is; the code follows the first blank line.
    expect(block).toBe(fixture.slice(fixture.indexOf("\n\n") + 2));
    for (const resolution of ["node", "node16", "bundler"]) {
      const config = JSON.parse(
        readFileSync(join(root, `test/fixtures/consumer-ts/tsconfig.${resolution}.json`), "utf8"),
      ) as { files: string[] };
      expect(config.files, resolution).toContain("workers.ts");
    }
  });
});
