// Wall time of `npm run plan -- <stack>` per stack (the README's first command, esbuild step
// included), after one warm-up run. Prints JSON: median and max over the runs, in seconds.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus } from "node:os";

const runs = Number(process.env.RUNS ?? 5);
const stacks = readdirSync("stacks")
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter(Boolean)
  .sort();

const time = (stack) => {
  const start = process.hrtime.bigint();
  execFileSync("npm", ["run", "-s", "plan", "--", stack, "--no-write"], { stdio: "ignore" });
  return Number(process.hrtime.bigint() - start) / 1e9;
};

const result = {
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown"}, node ${process.version}`,
  runs,
  stacks: {},
};
for (const stack of stacks) {
  time(stack);
  const samples = Array.from({ length: runs }, () => time(stack)).sort((a, b) => a - b);
  result.stacks[stack] = {
    medianSeconds: Number(samples[Math.floor(samples.length / 2)].toFixed(2)),
    maxSeconds: Number(samples[samples.length - 1].toFixed(2)),
  };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
