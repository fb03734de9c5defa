import { describe, expect, it } from "vitest";
import { createLogger, redact } from "../../../supervisor/src/log";

function capture() {
  const lines: string[] = [];
  const log = createLogger("sup-1", (l) => lines.push(l));
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("logger", () => {
  it("writes one JSON line per event with event, id, level and time at the top level", () => {
    const { log, lines, parsed } = capture();
    log.info("lease.acquired", { epoch: 3, at: 1700000000000 });
    log.warn("lease.demoted", { epoch: 3, reason: "deadline" });
    log.error("supervisor.start_failed", { error: "EADDRINUSE" });
    expect(lines.every((l) => l.endsWith("\n") && l.indexOf("\n") === l.length - 1)).toBe(true);
    const [a, b, c] = parsed();
    expect(a).toMatchObject({
      level: "info",
      id: "sup-1",
      event: "lease.acquired",
      epoch: 3,
      at: 1700000000000,
    });
    expect(b).toMatchObject({ level: "warn", event: "lease.demoted", reason: "deadline" });
    expect(c).toMatchObject({ level: "error", event: "supervisor.start_failed" });
    expect(Number.isNaN(Date.parse(String(a.t)))).toBe(false);
  });

  it.each([
    ["password", { password: "hunter2" }],
    ["faktoryPassword", { faktoryPassword: "hunter2" }],
    ["pwdhash", { pwdhash: "hunter2" }],
    ["redisUrl", { redisUrl: "hunter2" }],
    ["license", { license: "hunter2" }],
    ["nested password", { hello: { pwdhash: "hunter2", wid: "w1" } }],
    ["nested redisUrl", { cfg: { redisUrl: "rediss://cache:6380", id: "x" } }],
    ["URL credentials in any string", { error: "connect rediss://default:hunter2@cache:6380 failed" }],
  ])("masks %s", (_name, fields) => {
    const { log, lines } = capture();
    log.info("x", fields);
    expect(lines[0]).not.toContain("hunter2");
    expect(lines[0]).not.toContain("rediss://cache");
    expect(lines[0]).toContain("***");
  });

  it("redacts credentials in any URL in a string", () => {
    expect(redact('{"e":"connect rediss://default:hunter2@cache:6380 failed"}')).toBe(
      '{"e":"connect rediss://***:***@cache:6380 failed"}',
    );
    expect(redact("redis://:pw@x:1")).toBe("redis://***:***@x:1");
  });
});
