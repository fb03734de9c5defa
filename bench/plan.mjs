// Wall time of the offline plan per stack, against its floor measured in the same run: a Node process
// that only loads @pulumi/pulumi, aws, kubernetes and eks (what any program using them pays). Each is
// timed after one warm-up run; rounds alternate floor / plan to share the machine's noise.
// Prints JSON: medians and max in seconds, and the plan ÷ floor ratio (target ≤ 1.5).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus } from "node:os";

const runs = Number(process.env.RUNS ?? 5);
const stacks = readdirSync("stacks")
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter(Boolean)
  .sort();

const seconds = (run) => {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const floor = () =>
  execFileSync(
    process.execPath,
    ["-e", 'for (const m of ["pulumi", "aws", "kubernetes", "eks"]) require(`@pulumi/${m}`)'],
    { stdio: "ignore" },
  );
// The compiled CLI, as `npm run plan` runs it after its (cached) build step.
const plan = (stack) =>
  execFileSync(process.execPath, ["dist/cli/faktory-ha.js", "plan", stack, "--no-write"], {
    stdio: "ignore",
  });
const npmPlan = (stack) =>
  execFileSync("npm", ["run", "-s", "plan", "--", stack, "--no-write"], { stdio: "ignore" });

const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return {
    medianSeconds: Number(s[Math.floor(s.length / 2)].toFixed(2)),
    maxSeconds: Number(s.at(-1).toFixed(2)),
  };
};

npmPlan(stacks[0]); // builds the CLI once
const result = {
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown"}, node ${process.version}`,
  runs,
  floor: null,
  stacks: {},
};
const floorSamples = [];
for (const stack of stacks) {
  plan(stack);
  floor();
  const cli = [];
  const viaNpm = [];
  for (let i = 0; i < runs; i++) {
    floorSamples.push(seconds(floor));
    cli.push(seconds(() => plan(stack)));
    viaNpm.push(seconds(() => npmPlan(stack)));
  }
  result.stacks[stack] = { cli: stats(cli), npmRunPlan: stats(viaNpm) };
}
result.floor = stats(floorSamples);
for (const s of Object.values(result.stacks)) {
  s.cliOverFloor = Number((s.cli.medianSeconds / result.floor.medianSeconds).toFixed(2));
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
