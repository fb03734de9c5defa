// The Workers component's shutdown on a real Kubernetes: jobs of 5 s run on 3 workers (concurrency 4) when
// (1) the workers roll (a changed env through the real engine: a new pod first, then an old one gets SIGTERM)
// and (2) they scale down from 3 to 1. The shutdown timeout is 2 s, shorter than a job, so each SIGTERM cuts
// the jobs its worker runs: faktory-worker stops fetching, waits 2 s, FAILs them back to Faktory, exits; the
// pod's grace (timeout + 10 s, set by the component) lets it. Faktory retries each cut job. Counted from the
// workers' own records (test/cluster/faktory-worker.ts): 0 lost, every cut job FAILed back and run again to
// its end, no other job run twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlJson, requireCluster, sleep, testImage, waitFor } from "./support/env";
import { figures, readyPods, scenarioArgs } from "./support/scenario";
import { collect, testStack, type EngineRun } from "./support/stack";
import {
  deploymentReplicas,
  executionCounts,
  faktoryWorkersProgram,
  pushSleepJobs,
  startedCount,
  workerReport,
  type TestWorkersArgs,
} from "./support/workers";

const NAME = "fha-wshut";
const KEY_PREFIX = "fha-wshut";
const PASSWORD = "shutdown-password";
const JOBS = 150;
const JOB_MS = 5_000;
const CONCURRENCY = 4;
const SHUTDOWN_TIMEOUT_S = 2;
const STACK = "workers-shutdown";

describe("Workers shutdown: a rolling update and a scale-down while 5 s jobs run (shutdown timeout 2 s)", () => {
  const run = `wshut-${Date.now().toString(36)}`;
  const queue = `fha-${run}`;
  let image = "";
  const log: string[] = [];
  let engine: EngineRun;
  let deployment = "";
  let clusterIp = "";

  const workers = (replicas: number, rev: string): TestWorkersArgs => ({
    image,
    run,
    queue,
    concurrency: CONCURRENCY,
    shutdownTimeoutSeconds: SHUTDOWN_TIMEOUT_S,
    replicas,
    extraEnv: [{ name: "WORKER_REVISION", value: rev }],
  });
  const deploy = async (replicas: number, rev: string) => {
    engine = await testStack(
      STACK,
      faktoryWorkersProgram(
        NAME,
        scenarioArgs(image, KEY_PREFIX, PASSWORD, { secondaries: 1 }),
        workers(replicas, rev),
      ),
    );
    const up = await engine.stack.up({ onOutput: collect(log) });
    expect(up.summary.result, log.join("\n")).toBe("succeeded");
    return up;
  };

  beforeAll(async () => {
    requireCluster();
    image = testImage();
    const up = await deploy(3, "1");
    deployment = String(up.outputs.deploymentName.value);
    clusterIp = String(up.outputs.clusterIp.value);
    await readyPods(NAME, 2);
    await waitFor("3 ready workers", 120_000, () => deploymentReplicas(NAME, deployment).ready === 3);
  });

  afterAll(async () => {
    await engine?.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await engine?.stack.workspace.removeStack(STACK).catch(() => undefined);
  });

  it("0 jobs lost; every job cut by SIGTERM was FAILed back and ran again; none other ran twice", async () => {
    const grace = kubectlJson<{ spec: { template: { spec: { terminationGracePeriodSeconds: number } } } }>([
      "get",
      "deployment",
      deployment,
      "-n",
      NAME,
    ]).spec.template.spec.terminationGracePeriodSeconds;
    expect(grace).toBe(SHUTDOWN_TIMEOUT_S + 10);

    const jids = await pushSleepJobs(`tcp://:${PASSWORD}@${clusterIp}:7419`, queue, JOBS, JOB_MS);
    const t0 = Date.now();
    // Every worker busy (3 × 4 jobs) before the rollout.
    await waitFor("12 jobs running", 30_000, async () => (await startedCount(run)) >= 3 * CONCURRENCY);

    const rollStart = Date.now();
    await deploy(3, "2");
    const rollMs = Date.now() - rollStart;
    await waitFor("the rollout to end", 60_000, () => {
      const d = deploymentReplicas(NAME, deployment);
      return d.ready === 3 && d.updated === 3 && d.total === 3;
    });
    const afterRoll = await workerReport(run);
    await sleep(6_000); // the new workers busy again

    const scaleStart = Date.now();
    await deploy(1, "2");
    const scaleMs = Date.now() - scaleStart;
    await waitFor("1 worker left", 60_000, () => deploymentReplicas(NAME, deployment).total === 1);
    const afterScale = await workerReport(run);

    // The rest, and the retries of the cut jobs (Faktory's first retry comes 15–75 s after the FAIL), on 1
    // worker.
    const drained = await waitFor(
      "every pushed job to have run to its end",
      240_000,
      async () => {
        const r = await workerReport(run);
        return jids.every((j) => r.finished.has(j)) ? r : undefined;
      },
      1_000,
    );
    const drainMs = Date.now() - t0;
    await sleep(2_000);
    const report = await workerReport(run);
    const c = executionCounts(jids, report);
    figures("workers-shutdown", {
      jobs: JOBS,
      jobMs: JOB_MS,
      shutdownTimeoutS: SHUTDOWN_TIMEOUT_S,
      grace,
      rollMs,
      scaleDownMs: scaleMs,
      drainMs,
      sigtermedPods: report.sigterm.size,
      cutByRollout: [...afterRoll.aborted.values()].reduce((a, b) => a + b, 0),
      cutByScaleDown:
        [...afterScale.aborted.values()].reduce((a, b) => a + b, 0) -
        [...afterRoll.aborted.values()].reduce((a, b) => a + b, 0),
      ...c,
      finishedWhenDrained: drained.finished.size,
    });
    // The rollout stopped 3 pods, the scale-down 2: each had jobs of 5 s running, cut after 2 s.
    expect(report.sigterm.size).toBe(5);
    expect(c.cutBySigterm).toBeGreaterThanOrEqual(5);
    expect(c.lost).toBe(0);
    // Every cut job was FAILed back (none left to the 30-minute reservation timeout) and ran again to its end.
    expect([...report.aborted.keys()].filter((j) => !report.failedBack.has(j))).toEqual([]);
    expect(c.failedBack).toBe(c.cutBySigterm);
    expect(c.retriedAndFinished).toBe(report.failedBack.size);
    expect(c.unexplainedDuplicates).toBe(0);
    expect(c.finishedTwice).toBe(0);
    expect(c.jobErrors).toBe(0);
  });
});
