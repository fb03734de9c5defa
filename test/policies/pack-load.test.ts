// Loads the pack the way `pulumi preview --policy-pack policies` does: Pulumi's policy-pack runner
// compiles index.ts with ts-node (type-checked, with policies/tsconfig.json) and the pack starts its
// analyzer server, printing the port. Runs in a child process: the server would keep vitest alive.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const runner = join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js");

it("starts through Pulumi's policy-pack runner and serves on a port", async () => {
  const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: join(root, "policies") });
  let stdout = "";
  let stderr = "";
  const started = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(stdout);
      if (port) resolve(port[1]);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`pack exited with ${code}:\n${stdout}\n${stderr}`)));
  });
  try {
    expect(Number(await started)).toBeGreaterThan(0);
  } finally {
    child.kill();
  }
}, 60_000);
