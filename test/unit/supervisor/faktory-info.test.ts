import { describe, expect, it } from "vitest";
import { faktoryFigures, OTHER_QUEUE, type FaktoryInfo } from "../../../supervisor/src/faktory-info";

function info(queues: Record<string, number>, connections = 1): FaktoryInfo {
  return {
    faktory: {
      queues,
      sets: { working: 1, scheduled: 0, retries: 2, dead: 3 },
      total_processed: 10,
      total_failures: 1,
      total_enqueued: Object.values(queues).reduce((a, b) => a + b, 0),
      total_queues: Object.keys(queues).length,
    },
    server: { connections },
  };
}

describe("faktoryFigures", () => {
  it.each<
    [string, Record<string, number>, Record<string, number> | null, number, [string, number, number | null][]]
  >([
    ["no queues", {}, {}, 100, []],
    [
      "under the cap",
      { a: 1, b: 2 },
      { a: 3, b: 4 },
      100,
      [
        ["b", 2, 4],
        ["a", 1, 3],
      ],
    ],
    [
      "ties sorted by name",
      { b: 1, a: 1 },
      {},
      100,
      [
        ["a", 1, null],
        ["b", 1, null],
      ],
    ],
    [
      "over the cap: the largest kept, the rest summed, latency the largest",
      { a: 1, b: 5, c: 3, d: 2 },
      { a: 90, b: 1, c: 2, d: 30 },
      2,
      [
        ["b", 5, 1],
        ["c", 3, 2],
        [OTHER_QUEUE, 3, 90],
      ],
    ],
    [
      "no QUEUE LATENCY command",
      { a: 1, b: 2 },
      null,
      1,
      [
        ["b", 2, null],
        [OTHER_QUEUE, 1, null],
      ],
    ],
    ["a negative latency (clock skew) is 0", { a: 1 }, { a: -0.5 }, 100, [["a", 1, 0]]],
  ])("%s", (_name, queues, latency, cap, expected) => {
    const f = faktoryFigures(info(queues), latency, cap);
    expect(f.queues.map((q) => [q.queue, q.size, q.latencySeconds])).toEqual(expected);
    expect(f.queueCount).toBe(Object.keys(queues).length);
  });

  it("takes the totals and sets, and leaves its own connection out", () => {
    const f = faktoryFigures(info({ a: 1 }, 4), {});
    expect(f).toMatchObject({
      processed: 10,
      failed: 1,
      sets: { working: 1, scheduled: 0, retries: 2, dead: 3 },
      connections: 3,
    });
  });

  it("names the Faktory release serving, or null when INFO does not say", () => {
    const i = info({ a: 1 });
    expect(faktoryFigures({ ...i, server: { ...i.server, faktory_version: "1.9.3" } }, {}).version).toBe(
      "1.9.3",
    );
    expect(faktoryFigures(i, {}).version).toBeNull();
  });

  it("caps at 100 queues by default", () => {
    const queues = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`q${i}`, i]));
    const f = faktoryFigures(info(queues), {});
    expect(f.queues).toHaveLength(101);
    expect(f.queues.at(-1)).toEqual({
      queue: OTHER_QUEUE,
      size: Array.from({ length: 50 }, (_, i) => i).reduce((a, b) => a + b, 0),
      latencySeconds: null,
    });
  });
});
