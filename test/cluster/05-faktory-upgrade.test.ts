// Upgrading Faktory itself in place: the component deployed with the previous open-source Faktory release,
// then its image changed to the current one under load. The StatefulSet rolls the pods from the highest
// ordinal down; the supervisors hand the lease to an updated standby, so Faktory moves to the new release
// in one handover (two when the primary was the highest ordinal). Production timings (ttl 10 s).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxGap, serviceUrl, startClients } from "./support/clients";
import {
  currentFaktoryVersion,
  FAKTORY_PREVIOUS_VERSION,
  requireCluster,
  sleep,
  testImage,
  waitFor,
} from "./support/env";
import { lease, pods } from "./support/faktory";
import {
  epochWatch,
  figures,
  overlapWatch,
  pushedAfter,
  readyPods,
  scenarioArgs,
  statusCli,
  statusJson,
  totals,
} from "./support/scenario";
import { collect, faktoryProgram, testStack, type EngineRun } from "./support/stack";

const NAME = "fha-upgrade";
const KEY_PREFIX = "fha-upgrade";
const PASSWORD = "upgrade-password";

const args = (image: string) => scenarioArgs(image, KEY_PREFIX, PASSWORD);

/** The Faktory release the primary serves, as `faktory-ha status --json` reports it (from Faktory's INFO). */
async function servedVersion(expected: string): Promise<{ pod: string; version: string }> {
  return waitFor(`status to show the primary serving Faktory ${expected}`, 60_000, () => {
    const r = statusCli(NAME, "--json");
    const p = r.code === 0 ? statusJson(r).primary : null;
    return p?.faktoryVersion === expected ? { pod: p.pod, version: p.faktoryVersion } : undefined;
  });
}

describe(`Faktory upgrade in place (${FAKTORY_PREVIOUS_VERSION} → current) under load`, () => {
  let run: EngineRun;
  const log: string[] = [];

  beforeAll(async () => {
    requireCluster();
    run = await testStack("upgrade", faktoryProgram(NAME, args(testImage("test-previous-faktory"))));
    const up = await run.stack.up({ onOutput: collect(log) });
    expect(up.summary.result, log.join("\n")).toBe("succeeded");
    await readyPods(NAME, 3);
  });

  afterAll(async () => {
    await run?.stack.destroy({ onOutput: collect(log) }).catch(() => undefined);
    await run?.stack.workspace.removeStack("upgrade").catch(() => undefined);
  });

  it("a rolling update of the image moves Faktory to the new release: handovers counted, 0 refused, 0 lost, never two Faktory", async () => {
    const current = currentFaktoryVersion();
    expect(current).not.toBe(FAKTORY_PREVIOUS_VERSION);
    const before = await servedVersion(FAKTORY_PREVIOUS_VERSION);
    const image = testImage();
    const clients = await startClients({
      namespace: NAME,
      image,
      faktoryUrl: serviceUrl(NAME, "faktory", PASSWORD),
      run: "upgrade",
      producers: 2,
      workers: 2,
    });
    await sleep(2_000);
    const watch = epochWatch(KEY_PREFIX);
    const overlap = overlapWatch(NAME);
    const primaryBefore = (await lease(KEY_PREFIX))?.id ?? "";
    const t0 = Date.now();
    const updated = await testStack("upgrade", faktoryProgram(NAME, args(image)));
    const up = await updated.stack.up({ onOutput: collect(log) });
    const updateMs = Date.now() - t0;
    expect(up.summary.result, log.join("\n")).toBe("succeeded");
    run = updated;
    await readyPods(NAME, 3);
    const after = await servedVersion(current);
    const servedMs = Date.now() - t0;
    await sleep(2_000);
    const epochs = await watch.stop();
    const o = await overlap.stop();
    const report = await clients.stop();
    const t = totals(report);
    figures("faktory-upgrade", {
      from: before,
      to: after,
      updateMs,
      servedMs,
      handovers: epochs.size - 1,
      primaryBefore,
      pushGapMs: maxGap(report.pushTimes, t0).gapMs,
      overlap: o,
      ...t,
      // A PUSH in flight on a connection to a router whose own pod is replaced fails (the client retries).
      pushErrors: report.pushErrors.slice(0, 5),
    });
    expect(pushedAfter(report, t0 + updateMs)).toBeGreaterThan(50);
    expect(new Set(pods(NAME, NAME).map((p) => p.revision)).size).toBe(1);
    // As in a rolling update of the supervisor (02-scenarios): the stopping primary names an updated standby.
    const primaryOrdinalBefore = Number(primaryBefore.split("-").pop());
    expect(epochs.size - 1).toBe(primaryOrdinalBefore === 2 ? 2 : 1);
    expect(o.maxRunning).toBeLessThanOrEqual(1);
    expect(t.refused).toBe(0);
    expect(t.lost).toBe(0);
  });
});
