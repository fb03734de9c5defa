import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCALER } from "../../../components/contract/scaler";
import { faktoryFigures, type FaktoryInfo } from "../../../supervisor/src/faktory-info";
import type { FaktoryReading } from "../../../supervisor/src/faktory-monitor";
import { forwardToPrimary, parseScalerQuery, primaryAnswer } from "../../../supervisor/src/scaler";

const query = (q: string) => parseScalerQuery(new URLSearchParams(q));

function reading(
  queues: Record<string, number>,
  latency: Record<string, number> | null,
  at: number,
): FaktoryReading {
  const info: FaktoryInfo = {
    faktory: {
      queues,
      sets: {},
      total_processed: 0,
      total_failures: 0,
      total_enqueued: 0,
      total_queues: Object.keys(queues).length,
    },
    server: { connections: 1 },
  };
  // A cap of 1 folds every queue but the largest into "_other": the scaler must still see each one.
  return { epoch: 4, figures: faktoryFigures(info, latency, 1), error: null, ms: 2, at };
}

const TERM = { id: "fha-1", epoch: 4 };

describe("parseScalerQuery", () => {
  it("takes comma-separated queue names, once each, and whether a standby forwarded the question", () => {
    expect(query("queues=critical,default,critical")).toEqual({
      queues: ["critical", "default"],
      forwarded: false,
    });
    expect(query("queues=a.b:c_d-e&forwarded=1")).toEqual({ queues: ["a.b:c_d-e"], forwarded: true });
  });

  it("says what is wrong with a missing, empty, bad or too long list", () => {
    expect(query("")).toBe("queues is required: comma-separated queue names");
    expect(query("queues=")).toBe("queues is required: comma-separated queue names");
    expect(query("queues=a,b c")).toBe(
      'queues has "b c": allowed 1 to 100 of letters, digits, ".", "_", "-", ":"',
    );
    expect(query("queues=a,,b")).toBe(
      'queues has "": allowed 1 to 100 of letters, digits, ".", "_", "-", ":"',
    );
    const many = Array.from({ length: SCALER.maxQueues + 1 }, (_, i) => `q${i}`).join(",");
    expect(query(`queues=${many}`)).toBe(`queues names ${SCALER.maxQueues + 1} queues: allowed at most 50`);
  });
});

describe("primaryAnswer", () => {
  const now = 1_000_000;

  it("sums the backlog and takes the largest latency of the asked queues, from every queue Faktory listed", () => {
    const r = reading(
      { big: 900, critical: 30, default: 12 },
      { big: 1, critical: 7.5, default: 42 },
      now - 800,
    );
    expect(primaryAnswer(TERM, r, ["critical", "default", "absent"], 15_000, now)).toEqual({
      code: 200,
      body: {
        state: "known",
        primary: "fha-1",
        epoch: 4,
        ageMs: 800,
        latencySeconds: 42,
        backlog: 42,
        queues: {
          critical: { size: 30, latencySeconds: 7.5 },
          default: { size: 12, latencySeconds: 42 },
          // A queue Faktory does not list has nothing waiting.
          absent: { size: 0, latencySeconds: 0 },
        },
      },
    });
  });

  it("is unknown — never 0 — before the first read, after a failed read, on stale figures or a missing latency", () => {
    expect(primaryAnswer(TERM, null, ["a"], 15_000, now)).toEqual({
      code: 503,
      body: { state: "unknown", reason: "primary fha-1: Faktory not read yet" },
    });
    const failed: FaktoryReading = {
      epoch: 4,
      figures: null,
      error: "Faktory closed the connection",
      ms: 1,
      at: now,
    };
    expect(primaryAnswer(TERM, failed, ["a"], 15_000, now).body).toEqual({
      state: "unknown",
      reason: "primary fha-1: Faktory closed the connection",
    });
    expect(primaryAnswer(TERM, reading({ a: 3 }, { a: 1 }, now - 15_001), ["a"], 15_000, now).body).toEqual({
      state: "unknown",
      reason: "primary fha-1: Faktory's figures are 15001 ms old",
    });
    // Faktory before 1.9 has no QUEUE LATENCY: a waiting job's age is unknown (an empty queue's is 0).
    expect(primaryAnswer(TERM, reading({ a: 3 }, null, now), ["a"], 15_000, now).body).toEqual({
      state: "unknown",
      reason: "primary fha-1: Faktory did not say the latency of queue a",
    });
    expect(primaryAnswer(TERM, reading({ a: 0 }, null, now), ["a"], 15_000, now).code).toBe(200);
  });
});

describe("forwardToPrimary", () => {
  let server: Server;
  let health: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      const known = {
        state: "known",
        primary: "fha-0",
        epoch: 9,
        ageMs: 5,
        latencySeconds: 3,
        backlog: 7,
        queues: {},
      };
      const body = req.url?.includes("queues=down")
        ? { state: "unknown", reason: "primary fha-0: Faktory not ready" }
        : known;
      res.writeHead(req.url?.includes("queues=down") ? 503 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    health = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    // fetch keeps its connections alive: close them too, or the test process cannot exit.
    server.closeAllConnections();
    server.close();
  });

  it("relays the primary's answer, asking once with the forwarded mark", async () => {
    const a = await forwardToPrimary({ id: "fha-0", health }, ["critical", "default"], 1_000);
    expect(a).toEqual({
      code: 200,
      body: {
        state: "known",
        primary: "fha-0",
        epoch: 9,
        ageMs: 5,
        latencySeconds: 3,
        backlog: 7,
        queues: {},
      },
    });
    expect(seen.at(-1)).toBe("/scaler?queues=critical%2Cdefault&forwarded=1");
    expect((await forwardToPrimary({ id: "fha-0", health }, ["down"], 1_000)).body).toEqual({
      state: "unknown",
      reason: "primary fha-0: Faktory not ready",
    });
  });

  it("is unknown when the primary announces no health address or does not answer", async () => {
    expect((await forwardToPrimary({ id: "old" }, ["a"], 1_000)).body).toEqual({
      state: "unknown",
      reason: "primary old does not announce a health address (an older release)",
    });
    const closed = await forwardToPrimary({ id: "gone", health: "127.0.0.1:1" }, ["a"], 1_000);
    expect(closed.code).toBe(503);
    expect((closed.body as { reason: string }).reason).toMatch(
      /^primary gone did not answer at 127\.0\.0\.1:1: /,
    );
  });
});
