import { describe, expect, it } from "vitest";
import { LineReader } from "../../../supervisor/src/line-reader";

function feed(reader: LineReader, chunks: string[]): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  for (const c of chunks) {
    ok = reader.push(Buffer.from(c, "latin1"), (l) => lines.push(l.toString("latin1")));
    if (!ok) break;
  }
  return { lines, ok };
}

describe("LineReader", () => {
  it.each([
    [["A\r\n"], ["A\r\n"], 0],
    [["A\r\nB\r\n"], ["A\r\n", "B\r\n"], 0],
    [["A", "B", "\r", "\n"], ["AB\r\n"], 0],
    [["A\r\nBC", "D\r\nE"], ["A\r\n", "BCD\r\n"], 1],
    [["\n\n"], ["\n", "\n"], 0],
  ])("splits %j into %j keeping %i bytes", (chunks, lines, pending) => {
    const reader = new LineReader(100);
    expect(feed(reader, chunks)).toEqual({ lines, ok: true });
    expect(reader.pending).toBe(pending);
  });

  it("accepts a line of exactly maxLine bytes (newline included) and refuses one byte more", () => {
    expect(feed(new LineReader(5), ["abc\r\n"])).toEqual({ lines: ["abc\r\n"], ok: true });
    expect(feed(new LineReader(5), ["ab", "c\r\n"])).toEqual({ lines: ["abc\r\n"], ok: true });
    expect(feed(new LineReader(5), ["abcd\r\n"])).toEqual({ lines: [], ok: false });
    expect(feed(new LineReader(5), ["ab", "cd\r\n"])).toEqual({ lines: [], ok: false });
  });

  it("refuses an unfinished line as soon as it cannot fit, keeping nothing", () => {
    const reader = new LineReader(5);
    expect(feed(reader, ["abcd"])).toEqual({ lines: [], ok: true });
    expect(reader.pending).toBe(4);
    expect(reader.push(Buffer.from("e"), () => undefined)).toBe(false);
    expect(reader.pending).toBe(0);
  });

  it("passes complete lines before the one that is too long", () => {
    expect(feed(new LineReader(4), ["ok\nmuch too long"])).toEqual({ lines: ["ok\n"], ok: false });
  });

  it("applies a changed bound to the next bytes", () => {
    const reader = new LineReader(4);
    expect(feed(reader, ["ab"]).ok).toBe(true);
    reader.maxLine = 100;
    expect(feed(reader, ["cdefgh\n"])).toEqual({ lines: ["abcdefgh\n"], ok: true });
  });
});
