import { createHash } from "node:crypto";

/**
 * Just enough of Faktory's wire protocol for the router to check a client's handshake and to move an
 * idle client connection from one Faktory to the next: where replies end, and how to redo the HELLO.
 */

const HELLO_PREFIX = "HELLO {";

/** Faktory closes a connection whose first line does not start like this (server.go startConnection). */
export function isHello(line: Buffer): boolean {
  return (
    line.length > HELLO_PREFIX.length && line.toString("latin1", 0, HELLO_PREFIX.length) === HELLO_PREFIX
  );
}

/** The client is leaving: Faktory answers nothing. */
export function isEnd(line: Buffer): boolean {
  return line.length <= 5 && line.toString("latin1").trimEnd() === "END";
}

export function isOk(reply: Buffer): boolean {
  return reply.length >= 3 && reply[0] === 0x2b && reply[1] === 0x4f && reply[2] === 0x4b;
}

/**
 * Length in bytes of the first complete RESP reply in buf (from offset), or 0 if incomplete.
 * Faktory replies with simple strings, errors, integers and bulk strings; arrays are handled anyway.
 */
export function replyLength(buf: Buffer, offset = 0): number {
  if (offset >= buf.length) return 0;
  const eol = buf.indexOf("\r\n", offset);
  if (eol < 0) return 0;
  const type = buf[offset];
  const lineEnd = eol + 2;
  switch (type) {
    case 0x2b: // +
    case 0x2d: // -
    case 0x3a: // :
      return lineEnd - offset;
    case 0x24: {
      // $
      const n = Number(buf.toString("latin1", offset + 1, eol));
      if (!Number.isInteger(n)) throw new Error("bad bulk length");
      if (n < 0) return lineEnd - offset;
      const end = lineEnd + n + 2;
      return end <= buf.length ? end - offset : 0;
    }
    case 0x2a: {
      // *
      const n = Number(buf.toString("latin1", offset + 1, eol));
      if (!Number.isInteger(n)) throw new Error("bad array length");
      let pos = lineEnd;
      for (let i = 0; i < n; i++) {
        const len = replyLength(buf, pos);
        if (len === 0) return 0;
        pos += len;
      }
      return pos - offset;
    }
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(String.fromCharCode(type))}`);
  }
}

/**
 * Total bytes of the first reply in buf when its header already says (a bulk string whose body has
 * not all arrived), else 0. Lets a large reply arriving in many chunks be joined once.
 */
export function announcedLength(buf: Buffer): number {
  if (buf[0] !== 0x24) return 0;
  const eol = buf.indexOf("\r\n");
  if (eol < 0) return 0;
  const n = Number(buf.toString("latin1", 1, eol));
  return Number.isInteger(n) && n >= 0 ? eol + 2 + n + 2 : 0;
}

// Where a ReplyScanner is within the current reply: at its start; in a simple line ("+" or ":"), after
// its "\r"; after a bulk string's "$"; in its header (its length so far in len), after the header's
// "\r"; in a null bulk string's header ("$-1"); in its body (len bytes to come, with "\r\n").
const SCAN_START = 0;
const SCAN_LINE = 1;
const SCAN_LINE_CR = 2;
const SCAN_BULK = 3;
const SCAN_HEADER = 4;
const SCAN_HEADER_CR = 5;
const SCAN_NULL_BULK = 6;
const SCAN_BODY = 7;

/**
 * Follows a stream of replies byte by byte, across reads, so that they can be passed on as they come
 * instead of being joined first: the common case, simple strings, integers and bulk strings. It stops
 * at the start of a reply that the reply-by-reply path (replyLength on whole replies) must take: an
 * error (it may be a shutdown refusal), an array, anything else unexpected, or one reply more than the
 * caller expects.
 */
export class ReplyScanner {
  private state = SCAN_START;
  /** In a bulk string: its length so far while reading the header, then the bytes still to come. */
  private len = 0;
  private completed = 0;

  /** Replies the last scan completed. */
  get done(): number {
    return this.completed;
  }

  /** Forgets the reply in progress: the next byte starts a reply (a new connection). */
  reset(): void {
    this.state = SCAN_START;
    this.len = 0;
  }

  /**
   * Follows b from its first byte, completing at most limit replies (counted in done). Returns where it
   * stopped: b.length (possibly within a reply, continued by the next scan), or the start of a reply it
   * leaves to the caller; -1 for a malformed bulk string header.
   */
  scan(b: Buffer, limit: number): number {
    let state = this.state;
    let len = this.len;
    let done = 0;
    let pos = 0;
    const end = b.length;
    while (pos < end) {
      const c = b[pos];
      switch (state) {
        case SCAN_START:
          if (done === limit) break;
          if (c === 0x2b || c === 0x3a) state = SCAN_LINE;
          else if (c === 0x24) {
            state = SCAN_BULK;
            len = 0;
          } else break;
          pos++;
          continue;
        case SCAN_BULK:
          if (c === 0x2d) {
            state = SCAN_NULL_BULK; // "$-1": no value
            pos++;
          } else state = SCAN_HEADER;
          continue;
        case SCAN_LINE:
          while (pos < end && b[pos] !== 0x0d) pos++;
          if (pos < end) {
            state = SCAN_LINE_CR;
            pos++;
          }
          continue;
        case SCAN_LINE_CR:
          pos++;
          if (c === 0x0a) {
            state = SCAN_START;
            done++;
          } else if (c !== 0x0d) state = SCAN_LINE;
          continue;
        case SCAN_HEADER:
          pos++;
          if (c >= 0x30 && c <= 0x39 && len < 1e12) len = len * 10 + (c - 0x30);
          else if (c === 0x0d) state = SCAN_HEADER_CR;
          else return -1;
          continue;
        case SCAN_HEADER_CR:
          pos++;
          if (c !== 0x0a) return -1;
          state = SCAN_BODY;
          len += 2; // the body's "\r\n"
          continue;
        case SCAN_NULL_BULK:
          pos++;
          if (c === 0x0d) state = SCAN_LINE_CR;
          else if (c < 0x30 || c > 0x39) return -1;
          continue;
        case SCAN_BODY: {
          const take = Math.min(len, end - pos);
          pos += take;
          len -= take;
          if (len === 0) {
            state = SCAN_START;
            done++;
          }
          continue;
        }
      }
      break; // at the start of a reply the caller takes
    }
    this.state = state;
    this.len = len;
    this.completed = done;
    return pos;
  }
}

/**
 * The reply Faktory sends to a command it read after shutdown began, without running it: such a
 * command can safely be sent again to the next primary.
 */
export function isShutdownRefusal(reply: Buffer): boolean {
  return reply[0] === 0x2d && reply.toString("latin1", 0, SHUTDOWN_REFUSAL.length) === SHUTDOWN_REFUSAL;
}

const SHUTDOWN_REFUSAL = "-ERR shutdown in progress";

export interface Greeting {
  readonly v: number;
  /** Hash iterations and salt, present when the server has a password. */
  readonly i?: number;
  readonly s?: string;
}

/** Parses "+HI {...}\r\n"; null if it is not a Faktory greeting. */
export function parseGreeting(reply: Buffer): Greeting | null {
  const text = reply.toString("utf8");
  if (!text.startsWith("+HI ")) return null;
  try {
    const g = JSON.parse(text.slice(4).trim()) as Greeting;
    return typeof g.v === "number" ? g : null;
  } catch {
    return null;
  }
}

/** Faktory's password hash: sha256(password + salt), re-hashed (over the raw digest) iterations - 1 times. */
export function passwordHash(password: string, salt: string, iterations: number): string {
  let digest = createHash("sha256")
    .update(password + salt)
    .digest();
  for (let i = 1; i < iterations; i++) digest = createHash("sha256").update(digest).digest();
  return digest.toString("hex");
}

/**
 * Rewrites a client's HELLO line for a new server greeting: same client identity (wid, labels, …), a
 * password hash for the new salt. Returns null when the server wants a password we do not know, or
 * the line is not a JSON object. Only for a client whose own HELLO a Faktory accepted: the hash it
 * adds is the router's credential, not the client's.
 */
export function rewriteHello(
  helloLine: string,
  greeting: Greeting,
  password: string | undefined,
): string | null {
  let hello: unknown;
  try {
    hello = JSON.parse(helloLine.replace(/^HELLO\s+/, ""));
  } catch {
    return null;
  }
  if (typeof hello !== "object" || hello === null || Array.isArray(hello)) return null;
  const fields = hello as Record<string, unknown>;
  delete fields.pwdhash;
  if (greeting.s !== undefined) {
    if (password === undefined) return null;
    const iterations = typeof fields.v === "number" && fields.v >= 2 ? (greeting.i ?? 1) : 1;
    fields.pwdhash = passwordHash(password, greeting.s, iterations);
  }
  return `HELLO ${JSON.stringify(fields)}\r\n`;
}
