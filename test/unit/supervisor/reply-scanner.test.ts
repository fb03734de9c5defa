import { describe, expect, it } from "vitest";
import { ReplyScanner, replyLength } from "../../../supervisor/src/faktory-protocol";

type Kind = "followed" | "handed over";
/** Where a reply ends in the stream, and whether the scanner followed it or left it to the caller. */
type Seen = readonly [end: number, kind: Kind];

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * Feeds the stream to a scanner in chunks ending at chunkEnds, completing at most limit replies per
 * scan. A reply the scanner hands over is taken whole by the test (its length from replyLength, as the
 * router's reply-by-reply path measures it), and scanning resumes after it. Each reply the scanner
 * completes is recorded at the position where that scan stopped: exact with limit 1 or 1-byte chunks.
 */
function follow(stream: Buffer, chunkEnds: readonly number[], limit: number): Seen[] | "malformed" {
  const scanner = new ReplyScanner();
  const seen: Seen[] = [];
  let pos = 0;
  for (const chunkEnd of chunkEnds) {
    while (pos < chunkEnd) {
      const stop = scanner.scan(stream.subarray(pos, chunkEnd), limit);
      if (stop < 0) return "malformed";
      for (let i = 0; i < scanner.done; i++) seen.push([pos + stop, "followed"]);
      pos += stop;
      if (pos < chunkEnd && scanner.done < limit) {
        const len = replyLength(stream, pos);
        if (len === 0) throw new Error(`the reply handed over at ${pos} is incomplete in the stream`);
        pos += len;
        seen.push([pos, "handed over"]);
      }
    }
  }
  return seen;
}

const whole = (s: Buffer) => [s.length];
const cutAt = (s: Buffer, cut: number) => [cut, s.length];
const byteByByte = (s: Buffer) => Array.from({ length: s.length }, (_, i) => i + 1);

/** The cut positions (1..length-1) whose result differs from the expected one; [] when none does. */
function failingCuts(stream: Buffer, expected: Seen[] | "malformed", limit: number): number[] {
  const want = JSON.stringify(expected);
  const failing: number[] = [];
  for (let cut = 1; cut < stream.length; cut++) {
    if (JSON.stringify(follow(stream, cutAt(stream, cut), limit)) !== want) failing.push(cut);
  }
  return failing.slice(0, 10);
}

const bulk = (body: string) => `$${Buffer.byteLength(body)}\r\n${body}\r\n`;

/** A job as FETCH returns it; non-ASCII text, so its byte length is not its length in characters. */
function job(jid: string, text: string): string {
  return JSON.stringify({
    jid,
    queue: "default",
    jobtype: "SendEmail",
    args: [{ to: "ana@example.com", subject: "Olá ✉️", body: text }],
    created_at: "2026-12-06T22:30:00.123456Z",
    enqueued_at: "2026-12-06T22:30:00.123789Z",
    retry: 25,
    reserve_for: 1800,
  });
}

/** INFO's reply, as large as a busy server's (many queues). */
function info(): string {
  const queues: Record<string, number> = {};
  for (let i = 0; i < 500; i++) queues[`queue-${i}`] = i * 7;
  return JSON.stringify({
    now: "2026-12-06T22:30:00Z",
    server_utc_time: "22:30:00 UTC",
    faktory: { total_failures: 3, total_processed: 123456, total_enqueued: 42, total_queues: 500, queues },
    server: {
      description: "Faktory",
      faktory_version: "1.9.1",
      uptime: 3600,
      connections: 12,
      used_memory_mb: 9,
    },
  });
}

/** Real Faktory replies (and the RESP forms Faktory does not send but the scanner must get right). */
const REPLIES: readonly (readonly [name: string, wire: string, kind: Kind])[] = [
  ["greeting with a password", '+HI {"v":2,"i":5109,"s":"4c6b0e1e0f1d2c3a"}\r\n', "followed"],
  ["+OK (PUSH, ACK, FAIL, HELLO, BEAT)", "+OK\r\n", "followed"],
  ["$-1: FETCH with empty queues", "$-1\r\n", "followed"],
  ["empty bulk string", "$0\r\n\r\n", "followed"],
  ["FETCH: a job", bulk(job("b8a2c3f1e4d5", "Até amanhã 👋")), "followed"],
  ["BEAT: quiet", bulk('{"state":"quiet"}'), "followed"],
  ["bulk string whose body looks like replies", bulk("+OK\r\n$-1\r\n:1\r\n-ERR x\r\n$3\r\n"), "followed"],
  ["bulk string whose body ends in CR", bulk("a\r"), "followed"],
  ["simple string with a lone CR", "+a\rb\r\n", "followed"],
  ["simple string with CR CR LF", "+a\r\r\n", "followed"],
  ["integer", ":42\r\n", "followed"],
  ["error", "-ERR Unknown command FOO\r\n", "handed over"],
  ["shutdown refusal", "-ERR shutdown in progress\r\n", "handed over"],
  ["Enterprise: not unique", "-NOTUNIQUE Job not unique\r\n", "handed over"],
  ["array", "*2\r\n$1\r\na\r\n:1\r\n", "handed over"],
  ["FETCH: a large job", bulk(job("c0ffee000001", "Olá — ✉️ ".repeat(1_500))), "followed"],
  ["INFO", bulk(info()), "followed"],
];

/** The rows as one stream, and where each of their replies ends in it. */
function expectedOf(rows: readonly (readonly [string, string, Kind])[]): { stream: Buffer; seen: Seen[] } {
  const stream = Buffer.from(rows.map(([, wire]) => wire).join(""), "utf8");
  const seen: Seen[] = [];
  let end = 0;
  for (const [, wire, kind] of rows) {
    end += Buffer.byteLength(wire);
    seen.push([end, kind]);
  }
  return { stream, seen };
}

describe("ReplyScanner, table-driven over real Faktory replies", () => {
  it.each(REPLIES)("%s: the same boundaries fed whole, cut at every byte and byte by byte", (...row) => {
    const { stream, seen } = expectedOf([row]);
    expect(follow(stream, whole(stream), 1)).toEqual(seen);
    expect(follow(stream, whole(stream), UNLIMITED)).toEqual(seen);
    expect(failingCuts(stream, seen, 1)).toEqual([]);
    expect(failingCuts(stream, seen, UNLIMITED)).toEqual([]);
    expect(follow(stream, byteByByte(stream), UNLIMITED)).toEqual(seen);
  });

  // Pipelined commands: each reply right behind the last, the kinds mixed, a large one among them.
  const stream = expectedOf([...REPLIES, ...REPLIES.slice(0, 4), ...REPLIES.slice(0, 4)]);

  it("the table's boundaries are replyLength's reading of the stream", () => {
    let start = 0;
    for (const [end] of stream.seen) {
      expect(replyLength(stream.stream, start)).toBe(end - start);
      start = end;
    }
    expect(start).toBe(stream.stream.length);
  });

  it(`all of them concatenated (${stream.stream.length} bytes): the same boundaries at every cut`, () => {
    expect(follow(stream.stream, whole(stream.stream), 1)).toEqual(stream.seen);
    expect(failingCuts(stream.stream, stream.seen, 1)).toEqual([]);
  });

  it("all of them concatenated, byte by byte", () => {
    expect(follow(stream.stream, byteByByte(stream.stream), UNLIMITED)).toEqual(stream.seen);
    expect(follow(stream.stream, byteByByte(stream.stream), 1)).toEqual(stream.seen);
  });

  it("fed whole without a limit, follows each run of replies in one scan up to the one it hands over", () => {
    // Every reply of a run is reported where that scan stopped: the start of the next handed-over reply.
    const runs: Seen[] = [];
    let run = 0;
    let runEnd = 0;
    for (const [end, kind] of stream.seen) {
      if (kind === "followed") {
        run++;
        runEnd = end;
        continue;
      }
      for (; run > 0; run--) runs.push([runEnd, "followed"]);
      runs.push([end, kind]);
    }
    for (; run > 0; run--) runs.push([runEnd, "followed"]);
    expect(follow(stream.stream, whole(stream.stream), UNLIMITED)).toEqual(runs);
  });
});

describe("ReplyScanner", () => {
  it("stops at the start of a reply beyond its limit (a reply no command is owed)", () => {
    const s = new ReplyScanner();
    expect(s.scan(Buffer.from("+OK\r\n$-1\r\n+OK\r\n"), 2)).toBe(10);
    expect(s.done).toBe(2);
    expect(s.scan(Buffer.from("+OK\r\n"), 0)).toBe(0);
    expect(s.done).toBe(0);
  });

  it("stops at an error reply without consuming a byte of it", () => {
    const s = new ReplyScanner();
    expect(s.scan(Buffer.from("+OK\r\n-ERR shutdown in progress\r\n"), UNLIMITED)).toBe(5);
    expect(s.done).toBe(1);
  });

  it("carries a reply over to the next scan, and forgets it on reset", () => {
    const s = new ReplyScanner();
    expect(s.scan(Buffer.from("$5\r\nhel"), UNLIMITED)).toBe(7);
    expect(s.done).toBe(0);
    expect(s.scan(Buffer.from("lo\r\n+OK\r\n"), UNLIMITED)).toBe(9);
    expect(s.done).toBe(2);
    expect(s.scan(Buffer.from("$5\r\nhel"), UNLIMITED)).toBe(7);
    s.reset();
    expect(s.scan(Buffer.from("-ERR x\r\n"), UNLIMITED)).toBe(0);
  });

  it.each([
    ["a bulk length that is not a number", "$x\r\n"],
    ["a bulk length followed by garbage", "$12x\r\n"],
    ["a bulk header whose CR is not followed by LF", "$3\rX"],
    ["a nil bulk string that is not -digits", "$-x\r\n"],
    ["a bulk length past 10^12", `$${"9".repeat(14)}\r\n`],
  ])("finds %s malformed, however the stream is cut", (_, bad) => {
    const stream = Buffer.from(`+OK\r\n${bad}`, "latin1");
    expect(follow(stream, whole(stream), UNLIMITED)).toBe("malformed");
    expect(failingCuts(stream, "malformed", UNLIMITED)).toEqual([]);
    expect(follow(stream, byteByByte(stream), UNLIMITED)).toBe("malformed");
  });
});
