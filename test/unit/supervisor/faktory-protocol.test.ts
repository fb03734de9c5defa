import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  announcedLength,
  isEnd,
  isHello,
  isOk,
  isShutdownRefusal,
  parseGreeting,
  passwordHash,
  replyLength,
  rewriteHello,
} from "../../../supervisor/src/faktory-protocol";

const b = (s: string) => Buffer.from(s, "latin1");

describe("replyLength", () => {
  it.each([
    ["+OK\r\n", 5],
    ["-ERR nope\r\n", 11],
    [":42\r\n", 5],
    ["$-1\r\n", 5],
    ["$5\r\nhello\r\n", 11],
    ["*2\r\n+a\r\n$1\r\nb\r\n", 15],
  ])("measures %j", (text, len) => {
    expect(replyLength(b(text))).toBe(len);
    expect(replyLength(b(text + "+OK\r\n"))).toBe(len);
  });

  it("returns 0 for every incomplete prefix", () => {
    const whole = '$11\r\n{"jid":"x"}\r\n';
    for (let i = 0; i < whole.length; i++) expect(replyLength(b(whole.slice(0, i)))).toBe(0);
    expect(replyLength(b(whole))).toBe(whole.length);
  });

  it("reads from an offset", () => {
    expect(replyLength(b("+OK\r\n$2\r\nab\r\n"), 5)).toBe(8);
  });

  it("knows a bulk reply's total length from its header, and nothing else's", () => {
    expect(announcedLength(b('$11\r\n{"jid"'))).toBe(18);
    expect(announcedLength(b("$11"))).toBe(0);
    expect(announcedLength(b("+OK"))).toBe(0);
    expect(announcedLength(b("$-1\r\n"))).toBe(0);
  });

  it("rejects garbage", () => {
    expect(() => replyLength(b("?\r\n"))).toThrow('unexpected reply type "?"');
  });
});

describe("handshake", () => {
  it.each([
    ['HELLO {"v":2}\r\n', true],
    ["HELLO {\n", true],
    ['hello {"v":2}\r\n', false],
    ['HELLO  {"v":2}\r\n', false],
    ['HELO {"v":2}\r\n', false],
    ["HELLO {", false],
    ['PUSH {"jid":"x"}\r\n', false],
  ])("takes %j as a HELLO: %s (Faktory's own prefix check)", (line, hello) => {
    expect(isHello(b(line))).toBe(hello);
  });

  it("recognises END and +OK", () => {
    expect(isEnd(b("END\r\n"))).toBe(true);
    expect(isEnd(b("END\n"))).toBe(true);
    expect(isEnd(b("ENDX\r\n"))).toBe(false);
    expect(isOk(b("+OK\r\n"))).toBe(true);
    expect(isOk(b("-ERR Invalid password\r\n"))).toBe(false);
  });

  it("parses greetings with and without a password", () => {
    expect(parseGreeting(b('+HI {"v":2}\r\n'))).toEqual({ v: 2 });
    expect(parseGreeting(b('+HI {"v":2,"i":4321,"s":"abc"}\r\n'))).toEqual({ v: 2, i: 4321, s: "abc" });
    expect(parseGreeting(b("+OK\r\n"))).toBeNull();
  });

  it("hashes like Faktory: sha256(password+salt), then re-hashes the raw digest", () => {
    const once = createHash("sha256").update("pwsalt").digest();
    expect(passwordHash("pw", "salt", 1)).toBe(once.toString("hex"));
    const twice = createHash("sha256").update(once).digest("hex");
    expect(passwordHash("pw", "salt", 2)).toBe(twice);
  });

  it("rewrites a HELLO for a new salt and keeps the client's identity", () => {
    const hello = 'HELLO {"hostname":"h","wid":"w1","pid":7,"labels":["node"],"v":2,"pwdhash":"old"}\r\n';
    const out = rewriteHello(hello, { v: 2, i: 3, s: "s2" }, "pw")!;
    expect(out.endsWith("\r\n")).toBe(true);
    const parsed = JSON.parse(out.slice(6)) as Record<string, unknown>;
    expect(parsed).toEqual({
      hostname: "h",
      wid: "w1",
      pid: 7,
      labels: ["node"],
      v: 2,
      pwdhash: passwordHash("pw", "s2", 3),
    });
  });

  it("drops the hash for a server without a password, and gives up without the password", () => {
    const hello = 'HELLO {"hostname":"h","v":2,"pwdhash":"old"}\r\n';
    expect(JSON.parse(rewriteHello(hello, { v: 2 }, undefined)!.slice(6))).toEqual({ hostname: "h", v: 2 });
    expect(rewriteHello(hello, { v: 2, i: 1, s: "x" }, undefined)).toBeNull();
  });

  it("gives up on a HELLO that is not a JSON object", () => {
    expect(rewriteHello("HELLO {nope}\r\n", { v: 2 }, "pw")).toBeNull();
    expect(rewriteHello("HELLO [1]\r\n", { v: 2 }, "pw")).toBeNull();
  });

  it("recognises only Faktory's not-run shutdown reply as safe to resend", () => {
    expect(isShutdownRefusal(b("-ERR shutdown in progress\r\n"))).toBe(true);
    expect(isShutdownRefusal(b("-ERR redis: client is closed\r\n"))).toBe(false);
  });
});
