import { describe, expect, it } from "vitest";
import { FaktoryProcess, holdoffAfterExits } from "../../../supervisor/src/faktory-process";
import { createLogger } from "../../../supervisor/src/log";

/** A FaktoryProcess running `sh -c script` (a stand-in that never greets), with its log and exits. */
function shProcess(script: string) {
  const events: Record<string, unknown>[] = [];
  const exits: { epoch: number; consecutive: number }[] = [];
  const fp = new FaktoryProcess({
    command: ["sh", "-c", script],
    env: process.env,
    host: "127.0.0.1",
    port: 9, // nothing greets there: the child never becomes ready, which these tests do not need
    stopTimeoutMs: 500,
    log: createLogger("t", (line) => events.push(JSON.parse(line) as Record<string, unknown>)),
    onUnexpectedExit: (e) => exits.push(e),
  });
  return { fp, events, exits };
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe("FaktoryProcess", () => {
  it("does not restart a Faktory that exits on its own: it reports the exit once, and counts in a row", async () => {
    const { fp, events, exits } = shProcess("exit 3");
    void fp.start(7);
    await until(() => exits.length === 1);
    void fp.start(8);
    await until(() => exits.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(exits).toEqual([
      { epoch: 7, consecutive: 1 },
      { epoch: 8, consecutive: 2 },
    ]);
    expect(events.filter((e) => e.event === "faktory.spawned")).toHaveLength(2);
    expect(events.filter((e) => e.event === "faktory.exited").map((e) => e.code)).toEqual([3, 3]);
    expect(fp.unexpectedExits).toBe(2);
    expect(fp.pid).toBeNull();
  });

  it("a Faktory it was asked to stop is not an unexpected exit", async () => {
    const { fp, events, exits } = shProcess("sleep 30");
    void fp.start(1);
    await until(() => fp.pid !== null);
    await fp.stop();
    expect(events.find((e) => e.event === "faktory.exited")).toMatchObject({ signal: "SIGTERM" });
    expect(exits).toEqual([]);
    expect(fp.unexpectedExits).toBe(0);
  });

  it("a command that cannot be spawned is reported like an exit, once", async () => {
    const fp = new FaktoryProcess({
      command: ["/nonexistent/faktory"],
      env: process.env,
      host: "127.0.0.1",
      port: 9,
      stopTimeoutMs: 500,
      log: createLogger("t", () => undefined),
      onUnexpectedExit: (e) => exits.push(e),
    });
    const exits: { epoch: number; consecutive: number }[] = [];
    void fp.start(4);
    await until(() => exits.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([{ epoch: 4, consecutive: 1 }]);
  });

  it("holds off longer with each exit in a row, up to a bound", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(holdoffAfterExits)).toEqual([
      250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});
