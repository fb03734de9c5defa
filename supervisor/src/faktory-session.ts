import type { Socket } from "node:net";
import {
  announcedLength,
  isEnd,
  isHello,
  isOk,
  isShutdownRefusal,
  parseGreeting,
  ReplyScanner,
  replyLength,
  rewriteHello,
} from "./faktory-protocol";
import { LineReader } from "./line-reader";
import { closeWith } from "./linger";
import type { RouteTarget } from "./route-target";
import type { Session, SessionHost } from "./session-host";
import { sameTerm, type Term } from "./term";

/** Faktory blocks a FETCH for up to 2 s; a reply still owed after this is not coming. */
const DRAIN_REPLY_MS = 3_000;
/** A HELLO is a few hundred bytes: a client that has not proved itself gets no more room for a line. */
export const MAX_HELLO_BYTES = 64 * 1024;

/** A graceful end: no last words, just the FIN. */
const NOTHING = Buffer.alloc(0);

type Phase =
  /** No upstream: before the first one, or moving to the next primary. */
  | "waiting"
  /** Upstream connected, its greeting not passed on yet: nothing has reached the client. */
  | "greeting"
  /** The greeting reached the client; its own HELLO is due, or awaits Faktory's verdict. */
  | "hello"
  /** Moved: the router redoes the client's accepted HELLO with the new primary. */
  | "rehello"
  | "open"
  | "dead";

/**
 * A Faktory client connection. The client does its own handshake: its first line must be a HELLO,
 * passed on verbatim only after the greeting it answers reached it, and Faktory's verdict decides.
 * After that, commands are single lines each getting exactly one reply, so the session knows when
 * nothing is in flight. An upstream that goes away (or a primary change) while the connection is idle
 * does not close the client: the session holds its next commands, connects to the new primary, redoes
 * the HELLO with the client's identity and the router's password, and carries on. A command Faktory
 * refused with "shutdown in progress" was not run and is sent again. A connection is closed when a
 * command was in flight as its Faktory vanished (the outcome is unknown), or when the primary changes
 * during the client's own handshake (the router never completes a handshake for a client).
 */
export class FaktorySession implements Session {
  private phase: Phase = "waiting";
  private upstream: Socket | null = null;
  private target: RouteTarget | null = null;
  private readonly abort = new AbortController();
  private readonly reader = new LineReader(MAX_HELLO_BYTES);
  /** Complete lines counted by completeLines. */
  private lineCount = 0;
  private firstDeadline = 0;
  /** The client's first line; once Faktory accepted it, the identity redone after a move. */
  private hello: Buffer | null = null;
  private helloSent = false;
  private greeted = false;
  private passwordAsked = false;
  /** Faktory answered +OK to the client's own HELLO. */
  private authenticated = false;
  /** It did so after checking the client's password hash. */
  private provedPassword = false;
  private rehelloSent = false;
  /**
   * What was sent upstream and is not all answered yet, oldest first: whole lines, one or more per
   * buffer, and how many lines at the end of each still await their reply (resent after a shutdown
   * refusal). The buffers are the ones the client's socket delivered, kept by reference.
   */
  private readonly inFlight: Buffer[] = [];
  private readonly inFlightLeft: number[] = [];
  private inFlightBytes = 0;
  /** Commands sent upstream whose reply has not arrived. */
  private owed = 0;
  /** Set by closeWhenIdle: the session closes between commands, or when this fires. */
  private closeTimer: NodeJS.Timeout | null = null;
  /** Commands received while no upstream could take them. */
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  /** What this session last reported to the router's byte budget. */
  private counted = 0;
  /** An upstream reply that has not all arrived, and its total length when known. */
  private upChunks: Buffer[] = [];
  private upBytes = 0;
  private upNeed = 0;
  /** The fast path through an open session's upstream replies (see onUpstreamRead). */
  private readonly replies = new ReplyScanner();
  private moving = false;
  private reading = true;
  private upstreamFull = false;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;

  /**
   * @param ownReads the client's reads come through router.onread (they call onClientData), not as
   *   "data" events; the socket was accepted paused either way.
   */
  constructor(
    private readonly router: SessionHost,
    private readonly client: Socket,
    private readonly ownReads: boolean,
  ) {}

  get retained(): number {
    return this.counted;
  }

  private get dead(): boolean {
    return this.phase === "dead";
  }

  begin(): void {
    if (!this.ownReads) {
      this.client.on("data", (d: Buffer) => this.onClientData(d));
      this.client.resume();
    }
    this.client.on("error", () => this.destroy());
    this.client.on("drain", () => this.upstream?.resume());
    this.firstDeadline = Date.now() + this.router.opts.holdMs;
    void this.attach(this.firstDeadline);
  }

  private async attach(deadline: number): Promise<void> {
    this.phase = "waiting";
    // Until connectUpstream returns, nothing is read: reading starts on a later turn of the event loop.
    let linked: Socket | null = null;
    const r = await this.router.connectUpstream(
      deadline,
      this.abort.signal,
      this.router.onread((d) => {
        if (linked !== null) this.onUpstreamRead(linked, d);
      }),
    );
    if (this.dead) return void r?.sock.destroy();
    if (!r) return this.destroy();
    const sock = r.sock;
    linked = sock;
    // A TLS upstream (another pod's peer port) has no onread: its reads arrive as events from here on.
    if (r.target.tls) sock.on("data", (d: Buffer) => this.onUpstreamRead(sock, d));
    this.upstream = sock;
    this.target = r.target;
    this.upChunks = [];
    this.upBytes = 0;
    this.upNeed = 0;
    this.replies.reset();
    this.moving = false;
    this.upstreamFull = false;
    this.rehelloSent = false;
    this.phase = this.authenticated ? "rehello" : "greeting";
    sock.on("drain", () => {
      if (sock !== this.upstream) return;
      this.upstreamFull = false;
      this.flow();
    });
    sock.on("error", () => undefined);
    sock.on("close", () => this.onUpstreamClosed(sock));
    if (this.client.writableNeedDrain) sock.pause();
    // A primary change may have happened while we connected.
    this.targetChanged(this.router.currentTarget());
    this.flow();
  }

  onClientData(d: Buffer): void {
    if (this.dead) return;
    // The common case, an open session with nothing held: the chunk's complete lines go upstream in
    // one write, as they came, once the guard agreed (once per chunk: it is synchronous with them).
    if (
      this.phase === "open" &&
      !this.moving &&
      this.upstream !== null &&
      this.reader.pending === 0 &&
      this.held.length === 0
    ) {
      const end = this.completeLines(d);
      if (end === 0 || (end > 0 && !this.guarded())) {
        if (end > 0) this.sendLines(end === d.length ? d : d.subarray(0, end), this.lineCount);
        if (end < d.length && !this.reader.push(d.subarray(end), this.onLine)) return this.lineTooLong();
        return this.settle();
      }
    }
    const up = this.upstream;
    up?.cork();
    const ok = this.reader.push(d, this.onLine);
    up?.uncork();
    if (this.dead) return;
    if (!ok) return this.lineTooLong();
    this.settle();
  }

  /**
   * Where the chunk's complete lines end (0 when there is none), counting them in lineCount; -1 when
   * one of them needs the line-by-line path (too long, or END).
   */
  private completeLines(d: Buffer): number {
    const max = this.reader.maxLine;
    let start = 0;
    let n = 0;
    for (let nl = d.indexOf(0x0a); nl >= 0; nl = d.indexOf(0x0a, start)) {
      if (nl + 1 - start > max) return -1;
      if (d[start] === 0x45 && nl - start < 5 && isEnd(d.subarray(start, nl + 1))) return -1;
      n++;
      start = nl + 1;
    }
    this.lineCount = n;
    return start;
  }

  private readonly onLine = (line: Buffer): void => {
    if (this.dead) return;
    if (!this.authenticated) return this.onHandshakeLine(line);
    if (isEnd(line)) return this.onEnd(line);
    if (this.phase === "open" && !this.moving && this.upstream && !this.guarded()) this.sendLines(line, 1);
    else this.hold(line);
  };

  private onHandshakeLine(line: Buffer): void {
    if (this.hello !== null) return this.hold(line); // pipelined behind the HELLO: sent once it succeeded
    if (!isHello(line)) return this.destroy(); // Faktory closes on any other first line
    this.hello = Buffer.from(line);
    if (this.phase === "hello") this.sendHello();
  }

  private sendHello(): void {
    this.helloSent = true;
    this.upstream!.write(this.hello!);
  }

  /** The client is leaving; no reply will come. */
  private onEnd(line: Buffer): void {
    if (this.phase === "open" && this.upstream) {
      this.upstream.end(line); // Faktory closes its side when it reads it
      this.upstream = null;
    }
    this.destroy();
  }

  /** Sends n whole command lines (one buffer) upstream; each is owed a reply. */
  private sendLines(lines: Buffer, n: number): void {
    this.inFlight.push(lines);
    this.inFlightLeft.push(n);
    this.inFlightBytes += lines.length;
    this.owed += n;
    this.router.countCommands(this.target!.epoch, n);
    if (!this.upstream!.write(lines)) this.upstreamFull = true;
  }

  /** The n oldest commands in flight got their reply. */
  private answered(n: number): void {
    this.owed -= n;
    while (n > 0) {
      const left = this.inFlightLeft[0];
      if (left > n) {
        this.inFlightLeft[0] = left - n;
        return;
      }
      n -= left;
      this.inFlightBytes -= this.inFlight[0].length;
      this.inFlight.shift();
      this.inFlightLeft.shift();
    }
  }

  private hold(line: Buffer): void {
    this.held.push(line);
    this.heldBytes += line.length;
  }

  private toClient(reply: Buffer): void {
    if (!this.client.write(reply)) this.upstream?.pause();
  }

  private settle(): void {
    this.account();
    this.flow();
    this.closeIfIdle();
  }

  /** Reports what this session keeps to the router's budget (which may evict it). */
  private account(): void {
    if (this.dead) return;
    const now = this.reader.pending + this.heldBytes + this.inFlightBytes + (this.hello?.length ?? 0);
    const delta = now - this.counted;
    if (delta === 0) return;
    this.counted = now;
    this.router.retain(delta);
  }

  /**
   * Reads from the client only while that cannot grow what the router keeps past its bounds: not
   * beyond the first line until the client's own HELLO succeeded, not past maxHeldBytes of commands,
   * not while the upstream does not take what it was sent.
   */
  private flow(): void {
    if (this.dead) return;
    const read =
      (this.authenticated || this.hello === null) &&
      !this.upstreamFull &&
      this.heldBytes + this.inFlightBytes <= this.router.limits.maxHeldBytes;
    if (read === this.reading) return;
    this.reading = read;
    if (read) this.client.resume();
    else this.client.pause();
  }

  /**
   * The common case for upstream bytes of an open session: replies the scanner follows, each answering
   * the oldest command in flight, passed on as they come (a reply may span reads). The reply-by-reply
   * path takes over where the scanner stops: at an error reply (it may be a shutdown refusal), an
   * array, a reply no command is owed, or anything else unexpected.
   */
  private onUpstreamRead(sock: Socket, d: Buffer): void {
    if (sock !== this.upstream || this.dead) return;
    if (this.phase !== "open" || this.upBytes > 0) return this.onUpstreamData(sock, d);
    const stop = this.replies.scan(d, this.owed);
    if (stop < 0) return this.protocolError("unparseable reply");
    if (this.replies.done > 0) this.answered(this.replies.done);
    if (stop > 0) this.toClient(stop === d.length ? d : d.subarray(0, stop));
    if (stop < d.length) return this.onUpstreamData(sock, d.subarray(stop));
    this.afterReplies();
  }

  private onUpstreamData(sock: Socket, d: Buffer): void {
    if (sock !== this.upstream) return;
    this.upChunks.push(d);
    this.upBytes += d.length;
    if (this.upBytes < this.upNeed) return;
    const buf = this.upChunks.length === 1 ? d : Buffer.concat(this.upChunks, this.upBytes);
    let pos = 0;
    for (;;) {
      let len: number;
      try {
        len = replyLength(buf, pos);
      } catch {
        return this.protocolError("unparseable reply");
      }
      if (len === 0) break;
      const reply = buf.subarray(pos, pos + len);
      pos += len;
      this.onReply(sock, reply);
      if (sock !== this.upstream || this.dead) return;
    }
    const rest = buf.subarray(pos);
    this.upChunks = rest.length > 0 ? [rest] : [];
    this.upBytes = rest.length;
    this.upNeed = announcedLength(rest);
    this.afterReplies();
  }

  private afterReplies(): void {
    this.settle();
    this.maybeMove();
  }

  private onReply(sock: Socket, reply: Buffer): void {
    switch (this.phase) {
      case "greeting":
        return this.onGreeting(reply);
      case "hello":
        return this.onHelloReply(reply);
      case "rehello":
        return this.onRehelloReply(sock, reply);
      case "open":
        return this.onCommandReply(reply);
    }
  }

  private onGreeting(reply: Buffer): void {
    const greeting = parseGreeting(reply);
    if (!greeting) return this.protocolError("no greeting");
    this.passwordAsked = greeting.s !== undefined;
    this.greeted = true;
    this.phase = "hello";
    this.toClient(reply);
    this.handshakeTimer = setTimeout(() => {
      this.router.stats.handshakeTimeouts++;
      this.destroy();
    }, this.router.limits.handshakeTimeoutMs);
    if (this.hello) this.sendHello();
  }

  private onHelloReply(reply: Buffer): void {
    if (!this.helloSent) return this.protocolError("reply before HELLO");
    // Refused (a wrong password): Faktory closes the connection too; the client learns why.
    if (!isOk(reply)) return this.close(reply);
    clearTimeout(this.handshakeTimer!);
    this.handshakeTimer = null;
    this.authenticated = true;
    this.provedPassword = this.passwordAsked;
    this.reader.maxLine = this.router.limits.maxLineBytes;
    this.phase = "open";
    this.toClient(reply);
    this.flushHeld();
  }

  private onRehelloReply(sock: Socket, reply: Buffer): void {
    if (this.rehelloSent) {
      if (!isOk(reply)) return this.destroy();
      this.router.stats.migrated++;
      this.phase = "open";
      return this.flushHeld();
    }
    const greeting = parseGreeting(reply);
    // The router's password is lent only to a client that showed it knows it.
    const lend = greeting !== null && (greeting.s === undefined || this.provedPassword);
    const hello = lend
      ? rewriteHello(this.hello!.toString("utf8"), greeting, this.router.opts.password)
      : null;
    if (!hello) return this.destroy();
    this.rehelloSent = true;
    sock.write(hello);
  }

  private onCommandReply(reply: Buffer): void {
    if (this.owed === 0) return this.protocolError("reply without a command");
    if (isShutdownRefusal(reply)) {
      // Not run: everything still in flight goes back in front of the held commands, and this
      // Faktory gets nothing more from any session (it is stopping; wait for the next primary).
      const unanswered: Buffer[] = [];
      for (let i = 0; i < this.inFlight.length; i++)
        unanswered.push(...lastLines(this.inFlight[i], this.inFlightLeft[i]));
      for (const line of unanswered) this.heldBytes += line.length;
      this.held.unshift(...unanswered);
      this.inFlight.length = 0;
      this.inFlightLeft.length = 0;
      this.inFlightBytes = 0;
      this.owed = 0;
      this.router.drain(this.target!);
      return this.detach();
    }
    this.answered(1);
    this.toClient(reply);
  }

  private flushHeld(): void {
    const up = this.upstream;
    up?.cork();
    while (
      this.held.length > 0 &&
      this.phase === "open" &&
      !this.moving &&
      this.upstream &&
      !this.guarded()
    ) {
      const line = this.held.shift()!;
      this.heldBytes -= line.length;
      this.sendLines(line, 1);
    }
    up?.uncork();
  }

  /** True (and the session starts moving) when the current primary may no longer be used. */
  private guarded(): boolean {
    const target = this.router.currentTarget();
    if (target && sameTerm(target, this.target!) && this.router.usable(target)) return false;
    this.moving = true;
    queueMicrotask(() => this.maybeMove());
    return true;
  }

  private onUpstreamClosed(sock: Socket): void {
    if (sock !== this.upstream || this.dead) return;
    if (this.phase === "greeting") {
      this.router.refusedBy(this.target!);
      return this.reconnect();
    }
    if (this.phase === "open" && this.owed === 0) return this.detach();
    // A reply is owed, or a handshake was cut: its outcome is unknown, so the client must decide.
    this.destroy();
  }

  targetChanged(target: RouteTarget | null, draining?: Term): void {
    if (this.dead || !this.upstream || !this.target) return;
    const stays = draining
      ? !sameTerm(draining, this.target)
      : target !== null && sameTerm(target, this.target);
    if (stays) return;
    this.moving = true;
    this.maybeMove();
  }

  /** Leaves the old primary once nothing is in flight; gives a late reply DRAIN_REPLY_MS. */
  private maybeMove(): void {
    if (!this.moving) return;
    switch (this.phase) {
      case "greeting":
        return this.reconnect();
      case "hello":
        // The client's own handshake is not finished: the router will not finish it for the client.
        this.router.stats.closedOnChange++;
        return this.destroy();
      case "open":
        if (this.owed === 0) return this.detach();
        this.drainTimer ??= setTimeout(() => {
          this.router.stats.closedOnChange++;
          this.destroy();
        }, DRAIN_REPLY_MS);
        return;
      default:
        // waiting: it connects to whatever is current; rehello: it moves again once open.
        return;
    }
  }

  /** Nothing reached the client from this upstream: start over with the current primary. */
  private reconnect(): void {
    const old = this.upstream;
    this.upstream = null;
    old?.destroy();
    void this.attach(this.firstDeadline);
  }

  /** An authenticated, idle connection leaves its primary for the current one. */
  private detach(): void {
    if (this.phase !== "open") return;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    const old = this.upstream;
    this.upstream = null;
    old?.destroy();
    void this.attach(Date.now() + this.router.opts.holdMs);
  }

  /** Never pass on a reply we cannot match to a command: a client out of step would misread every later one. */
  private protocolError(what: string): void {
    this.router.stats.protocolErrors++;
    this.router.opts.log.warn("router.protocol_error", {
      what,
      phase: this.phase,
      epoch: this.target?.epoch,
    });
    this.destroy();
  }

  private lineTooLong(): void {
    this.router.stats.lineTooLong++;
    this.close(this.errorReply(`line too long (max ${this.reader.maxLine} bytes)`));
  }

  evict(): void {
    this.close(this.errorReply("router busy"));
  }

  /** An error the client can read as the answer to what it waits for; none when it waits for something else. */
  private errorReply(message: string): Buffer | undefined {
    const owed = this.owed + this.held.length + (this.helloSent && !this.authenticated ? 1 : 0);
    return this.greeted && owed === 0 ? Buffer.from(`-ERR ${message}\r\n`) : undefined;
  }

  destroy(): void {
    this.close();
  }

  closeWhenIdle(deadline: number): void {
    if (this.dead) return;
    this.closeTimer ??= setTimeout(() => this.close(), Math.max(0, deadline - Date.now()));
    this.closeIfIdle();
  }

  /** Shutting down and between commands: end the connection (FIN) so the client's next command goes elsewhere. */
  private closeIfIdle(): void {
    if (this.closeTimer === null || this.dead) return;
    const between = this.phase === "open" || (this.phase === "waiting" && !this.moving);
    if (between && this.owed === 0 && this.held.length === 0 && this.reader.pending === 0)
      this.close(NOTHING);
  }

  private close(last?: Buffer): void {
    if (this.dead) return;
    this.phase = "dead";
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.abort.abort();
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.upstream?.destroy();
    this.upstream = null;
    this.held.length = 0;
    this.inFlight.length = 0;
    this.inFlightLeft.length = 0;
    this.owed = 0;
    this.reader.clear();
    this.router.retain(-this.counted);
    this.counted = 0;
    if (last) closeWith(this.client, last);
    else this.client.destroy();
  }
}

/** The last count lines of buf, which holds whole "\n"-terminated lines. */
function lastLines(buf: Buffer, count: number): Buffer[] {
  const ends: number[] = [];
  for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, nl + 1)) ends.push(nl + 1);
  const lines: Buffer[] = [];
  let start = ends.length > count ? ends[ends.length - count - 1] : 0;
  for (let i = Math.max(0, ends.length - count); i < ends.length; i++) {
    lines.push(buf.subarray(start, ends[i]));
    start = ends[i];
  }
  return lines;
}
