// The checked-in SDKs (sdk/go, sdk/python) are generated from schema.json by scripts/sdk/generate.sh, which records
// the schema's hash beside them: a schema changed without regenerating the SDKs fails here, in the quick suite.
// (sdks.test.ts regenerates them and compares every file, and compiles them.)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../../..");

describe("the checked-in SDKs", () => {
  it("were generated from the current schema.json (else: bash scripts/sdk/generate.sh)", () => {
    const schema = createHash("sha256")
      .update(readFileSync(join(root, "schema.json")))
      .digest("hex");
    expect(readFileSync(join(root, "sdk/schema.sha256"), "utf8").trim()).toBe(schema);
  });
});
