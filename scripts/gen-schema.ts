// Writes schema.json (the Pulumi package schema of the components other languages use) from their TypeScript
// declarations; `--check` only compares and exits 1 on a difference. `npx tsx scripts/gen-schema.ts [--check]`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { generateSchema, schemaDifferences } from "./schema/generate";

const root = join(__dirname, "..");
const file = join(root, "schema.json");

async function main(): Promise<void> {
  const fresh = generateSchema(root);
  if (process.argv.includes("--check")) {
    const differences = schemaDifferences(JSON.parse(readFileSync(file, "utf8")), fresh);
    for (const d of differences) console.error(d);
    if (differences.length) {
      console.error("schema.json is stale: run npx tsx scripts/gen-schema.ts, then regenerate the SDKs");
      process.exit(1);
    }
    return;
  }
  writeFileSync(
    file,
    await prettier.format(JSON.stringify(fresh), { ...(await prettier.resolveConfig(file)), filepath: file }),
  );
  console.log(`wrote ${file}`);
}

void main();
