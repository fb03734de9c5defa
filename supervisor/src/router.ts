import { connect, createServer, type Server, type Socket } from "node:net";
import { isShutdownRefusal, parseGreeting, replyLength, rewriteHello } from "./faktory-protocol";
import type { Logger } from "./log";

export interface RouteTarget {
  readonly host: string;
  readonly port: number;
  /** The lease epoch of the primary behind this address. */
  readonly epoch: number;
}

export interface RouterOptions {
  readonly name: "faktory" | "web";
  readonly listenHost: string;
  readonly port: number;
  /** How long a connection may wait for a primary before it is closed. */
  readonly holdMs: number;
  /** Needed to re-handshake a held Faktory connection with a new primary that has a password. */
  readonly password?: string;
  readonly log: Logger;
}

export interface RouterStats {
  /** Commands (Faktory) forwarded, per lease epoch of the primary that got them. */
  commandsByEpoch: Record<number, number>;
  active: number;
  total: number;
  held: number;
  migrated: number;
  closedOnChange: number;
  holdTimeouts: number;
  /** Sessions closed because upstream sent something that did not fit the protocol. */
  protocolErrors: number;
}

const RETRY_CONNECT_MS = 50;
/** Faktory blocks a FETCH for up to 2 s; a reply still owed after this is not coming. */
const DRAIN_REPLY_MS = 3_000;

/**
 * Listens on a public port and pipes each connection to the primary's internal port. While no primary
 * is known (or it does not accept yet) connections are held for up to holdMs. When the primary
 * changes, web connections to the old one are closed; Faktory connections are moved instead when
 * that is provably safe (see FaktorySession).
 */
export class Router {
  readonly stats: RouterStats = {
    commandsByEpoch: {},
    active: 0,
    total: 0,
    held: 0,
    migrated: 0,
    closedOnChange: 0,
    holdTimeouts: 0,
    protocolErrors: 0,
  };
  private server: Server | null = null;
  private closed: Promise<void> | null = null;
  private target: RouteTarget | null = null;
  private readonly sessions = new Set<Session>();
  private waiters = new Set<() => void>();
  private guard: (target: RouteTarget) => boolean = () => true;
  private readonly draining = new Set<number>();

  constructor(private readonly opts: RouterOptions) {}

  /**
   * Checked synchronously before every forwarded command and connection. The supervisor uses it to
   * refuse its own Faktory once its lease may have lapsed: after a freeze, socket events can run before
   * the timer that would demote it.
   */
  setGuard(guard: (target: RouteTarget) => boolean): void {
    this.guard = guard;
  }

  usable(target: RouteTarget | null): target is RouteTarget {
    return target !== null && !this.draining.has(target.epoch) && this.guard(target);
  }

  /**
   * The primary of this epoch is about to stop (planned): send it nothing new. Idle connections move
   * on as soon as the next primary is known; new commands wait for it.
   */
  drain(epoch: number): void {
    this.draining.add(epoch);
    for (const s of this.sessions) s.targetChanged(this.target, epoch);
  }

  countCommand(epoch: number): void {
    this.stats.commandsByEpoch[epoch] = (this.stats.commandsByEpoch[epoch] ?? 0) + 1;
  }

  get holdMs(): number {
    return this.opts.holdMs;
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === "object" ? a.port : this.opts.port;
  }

  async listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.listenHost, () => resolve());
    });
    server.on("error", (e) =>
      this.opts.log.error("router.error", { router: this.opts.name, error: e.message }),
    );
    this.server = server;
  }

  setTarget(target: RouteTarget | null): void {
    const prev = this.target;
    if (prev?.host === target?.host && prev?.port === target?.port && prev?.epoch === target?.epoch) return;
    this.target = target;
    for (const s of this.sessions) s.targetChanged(target);
    if (target) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const w of waiters) w();
    }
  }

  /** Stops accepting new connections; existing ones carry on until close(). */
  stopAccepting(): void {
    if (!this.server || this.closed) return;
    this.closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  async close(): Promise<void> {
    this.stopAccepting();
    for (const s of this.sessions) s.destroy();
    await this.closed;
  }

  /** Resolves with a target, or null after ms. */
  waitForTarget(ms: number): Promise<RouteTarget | null> {
    if (this.target) return Promise.resolve(this.target);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(this.target);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(null);
      }, ms);
      this.waiters.add(wake);
    });
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    this.stats.total++;
    this.stats.active++;
    const session: Session =
      this.opts.name === "faktory"
        ? new FaktorySession(this, client, this.opts)
        : new PipeSession(this, client);
    this.sessions.add(session);
    client.once("close", () => {
      this.sessions.delete(session);
      this.stats.active--;
      session.destroy();
    });
    session.begin();
  }

  /**
   * Connects to the current primary, retrying while it is unknown or not yet accepting (a new primary's
   * Faktory boots for a moment after it took the lease), until deadline.
   */
  async connectUpstream(
    deadline: number,
    isAlive: () => boolean,
  ): Promise<{ sock: Socket; target: RouteTarget } | null> {
    let heldCounted = false;
    try {
      while (isAlive()) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        if (!this.target && !heldCounted) {
          heldCounted = true;
          this.stats.held++;
        }
        const target = this.target ?? (await this.waitForTarget(remaining));
        if (!target || !isAlive()) continue;
        if (!this.usable(target)) {
          await sleep(RETRY_CONNECT_MS);
          continue;
        }
        const sock = await tryConnect(target.host, target.port, Math.min(remaining, 1_000));
        if (sock) {
          if (this.target === target && isAlive()) return { sock, target };
          sock.destroy();
          continue;
        }
        await sleep(RETRY_CONNECT_MS);
      }
      if (isAlive()) this.stats.holdTimeouts++;
      return null;
    } finally {
      if (heldCounted) this.stats.held--;
    }
  }

  currentTarget(): RouteTarget | null {
    return this.target;
  }
}

interface Session {
  begin(): void;
  targetChanged(target: RouteTarget | null, drainingEpoch?: number): void;
  destroy(): void;
}

/** Byte-for-byte pipe (web UI). On a primary change it is closed: HTTP clients simply reconnect. */
class PipeSession implements Session {
  private upstream: Socket | null = null;
  private epoch = -1;
  private dead = false;
  private readonly early: Buffer[] = [];

  constructor(
    private readonly router: Router,
    private readonly client: Socket,
  ) {}

  begin(): void {
    this.client.on("data", (d: Buffer) => {
      if (this.upstream) this.upstream.write(d);
      else this.early.push(d);
    });
    this.client.on("error", () => this.destroy());
    void this.router
      .connectUpstream(Date.now() + this.router.holdMs, () => !this.dead)
      .then((r) => {
        if (!r) return this.destroy();
        this.upstream = r.sock;
        this.epoch = r.target.epoch;
        for (const d of this.early.splice(0)) r.sock.write(d);
        r.sock.pipe(this.client);
        r.sock.on("error", () => this.destroy());
        r.sock.on("close", () => this.destroy());
      });
  }

  targetChanged(target: RouteTarget | null, drainingEpoch?: number): void {
    if (drainingEpoch !== undefined) return; // web requests are short; they follow the primary change
    if (this.upstream && target?.epoch !== this.epoch) {
      this.router.stats.closedOnChange++;
      this.destroy();
    }
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.upstream?.destroy();
    this.client.destroy();
  }
}

type Phase = "connecting" | "greeting" | "open" | "parked" | "rehello" | "dead";

/**
 * A Faktory client connection. Commands are single lines and each gets exactly one reply, so the
 * session knows when nothing is in flight. An upstream that goes away (or a primary change) while the
 * connection is idle does not close the client: the session holds its next commands, connects to the
 * new primary, redoes the HELLO with the client's identity and carries on. A command Faktory refused
 * with "shutdown in progress" was not run and is sent again. Only a connection that had a command in
 * flight when its Faktory vanished is closed, because that command's outcome is unknown.
 */
class FaktorySession implements Session {
  private phase: Phase = "connecting";
  private upstream: Socket | null = null;
  private epoch = -1;
  private helloLine: string | null = null;
  private clientBuf: Buffer = Buffer.alloc(0);
  private upBuf: Buffer = Buffer.alloc(0);
  /** Commands sent upstream whose reply has not arrived, oldest first. */
  private readonly inFlight: Buffer[] = [];
  /** Commands received while no upstream could take them. */
  private readonly held: Buffer[] = [];
  private moving = false;
  /** Whether the client has been sent anything yet; until then a failed upstream can be retried. */
  private greeted = false;
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly router: Router,
    private readonly client: Socket,
    private readonly opts: RouterOptions,
  ) {}

  begin(): void {
    this.client.on("data", (d: Buffer) => this.onClientData(d));
    this.client.on("error", () => this.destroy());
    void this.attach();
  }

  private async attach(): Promise<void> {
    const r = await this.router.connectUpstream(Date.now() + this.opts.holdMs, () => this.phase !== "dead");
    if (this.phase === "dead") {
      r?.sock.destroy();
      return;
    }
    if (!r) return this.destroy();
    const first = this.helloLine === null;
    this.upstream = r.sock;
    this.epoch = r.target.epoch;
    this.upBuf = Buffer.alloc(0);
    this.moving = false;
    this.phase = first ? "greeting" : "rehello";
    r.sock.on("data", (d: Buffer) => this.onUpstreamData(r.sock, d));
    r.sock.on("error", () => undefined);
    r.sock.on("close", () => this.onUpstreamClosed(r.sock));
    if (!first) this.router.stats.migrated++;
    // A primary change may have happened while we connected.
    this.targetChanged(this.router.currentTarget());
  }

  private onClientData(d: Buffer): void {
    this.clientBuf = this.clientBuf.length ? Buffer.concat([this.clientBuf, d]) : d;
    let nl: number;
    while ((nl = this.clientBuf.indexOf(0x0a)) >= 0) {
      const line = this.clientBuf.subarray(0, nl + 1);
      this.clientBuf = this.clientBuf.subarray(nl + 1);
      this.onCommand(line);
    }
  }

  private onCommand(line: Buffer): void {
    if (this.helloLine === null && line.subarray(0, 6).toString("latin1") === "HELLO ") {
      this.helloLine = line.toString("utf8");
    }
    if (line.length <= 5 && line.toString("latin1").trimEnd() === "END") {
      // The client is leaving; no reply will come.
      this.upstream?.write(line);
      this.upstream?.end();
      return;
    }
    if (this.phase === "open" && !this.moving && this.upstream && !this.guarded()) {
      this.inFlight.push(line);
      this.router.countCommand(this.epoch);
      this.upstream.write(line);
    } else if (
      this.phase === "greeting" &&
      this.upstream &&
      this.helloLine !== null &&
      this.inFlight.length === 0
    ) {
      // The client's HELLO, after it has seen the greeting.
      this.inFlight.push(line);
      this.upstream.write(line);
    } else {
      this.held.push(line);
    }
  }

  private onUpstreamData(sock: Socket, d: Buffer): void {
    if (sock !== this.upstream) return;
    this.upBuf = this.upBuf.length ? Buffer.concat([this.upBuf, d]) : d;
    if (this.phase === "open" && this.fastForward(d)) return;
    for (;;) {
      let len: number;
      try {
        len = replyLength(this.upBuf);
      } catch {
        return this.protocolError("unparseable reply");
      }
      if (len === 0) return;
      const reply = this.upBuf.subarray(0, len);
      this.upBuf = this.upBuf.subarray(len);
      this.onReply(sock, reply);
      if (sock !== this.upstream) return;
    }
  }

  /**
   * The common case: the chunk holds only complete replies, none of them a shutdown refusal, and no
   * more than are owed. Forward it in one write.
   */
  private fastForward(d: Buffer): boolean {
    if (this.upBuf !== d) return false;
    let pos = 0;
    let n = 0;
    try {
      while (pos < d.length) {
        const len = replyLength(d, pos);
        if (len === 0 || (d[pos] === 0x2d && isShutdownRefusal(d.subarray(pos, pos + len)))) return false;
        pos += len;
        n++;
      }
    } catch {
      return false;
    }
    if (n > this.inFlight.length) return false;
    this.inFlight.splice(0, n);
    this.upBuf = Buffer.alloc(0);
    this.client.write(d);
    this.maybeMove();
    return true;
  }

  private onReply(sock: Socket, reply: Buffer): void {
    switch (this.phase) {
      case "greeting":
        if (this.inFlight.length === 0) {
          // "+HI …" for a new client: theirs to answer.
          this.greeted = true;
          this.client.write(reply);
          return;
        }
        // The reply to the client's own HELLO.
        this.inFlight.shift();
        this.client.write(reply);
        if (!reply.toString("latin1").startsWith("+OK")) return this.destroy();
        this.phase = "open";
        this.flushHeld();
        return;
      case "rehello": {
        if (this.inFlight.length === 0) {
          const greeting = parseGreeting(reply);
          const hello =
            greeting && this.helloLine ? rewriteHello(this.helloLine, greeting, this.opts.password) : null;
          if (!hello) return this.destroy();
          this.inFlight.push(Buffer.from(hello));
          sock.write(hello);
          return;
        }
        this.inFlight.shift();
        if (!reply.toString("latin1").startsWith("+OK")) return this.destroy();
        this.phase = "open";
        this.flushHeld();
        this.maybeMove();
        return;
      }
      case "open": {
        if (isShutdownRefusal(reply)) {
          // Not run: everything still in flight goes back in front of the held commands, and this
          // Faktory gets nothing more from any session (it is stopping; wait for the next primary).
          this.held.unshift(...this.inFlight.splice(0));
          this.router.drain(this.epoch);
          this.detach();
          return;
        }
        if (this.inFlight.length === 0) return this.protocolError("reply without a command");
        this.inFlight.shift();
        this.client.write(reply);
        this.maybeMove();
        return;
      }
      default:
        return;
    }
  }

  private flushHeld(): void {
    while (this.held.length && this.phase === "open" && !this.moving && this.upstream && !this.guarded()) {
      const line = this.held.shift()!;
      this.inFlight.push(line);
      this.router.countCommand(this.epoch);
      this.upstream.write(line);
    }
  }

  /** True (and the session starts moving) when the current primary may no longer be used. */
  private guarded(): boolean {
    const target = this.router.currentTarget();
    if (target && target.epoch === this.epoch && this.router.usable(target)) return false;
    this.moving = true;
    queueMicrotask(() => this.maybeMove());
    return true;
  }

  private onUpstreamClosed(sock: Socket): void {
    if (sock !== this.upstream || this.phase === "dead") return;
    if (this.phase === "open" && this.inFlight.length === 0) return this.detach();
    if (this.phase === "greeting" && !this.greeted) {
      this.upstream = null;
      this.phase = "connecting";
      void this.attach();
      return;
    }
    // A reply is owed (or we were mid-handshake): its outcome is unknown, so the client must decide.
    this.destroy();
  }

  targetChanged(target: RouteTarget | null, drainingEpoch?: number): void {
    if (this.phase === "dead" || !this.upstream) return;
    if (drainingEpoch === undefined ? target?.epoch === this.epoch : drainingEpoch !== this.epoch) return;
    this.moving = true;
    this.maybeMove();
  }

  /** Leaves the old primary once nothing is in flight; gives a late reply DRAIN_REPLY_MS. */
  private maybeMove(): void {
    if (!this.moving || this.phase === "dead") return;
    if (this.phase === "open" && this.inFlight.length === 0) {
      this.detach();
      return;
    }
    if (this.phase === "rehello" || this.phase === "connecting" || this.phase === "parked") return;
    if (this.phase !== "open") {
      // Handshake with the old primary not finished: simplest is to let the client reconnect.
      this.router.stats.closedOnChange++;
      this.destroy();
      return;
    }
    if (!this.drainTimer) {
      this.drainTimer = setTimeout(() => {
        this.router.stats.closedOnChange++;
        this.destroy();
      }, DRAIN_REPLY_MS);
    }
  }

  private detach(): void {
    if (this.phase === "parked" || this.phase === "dead") return;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    const old = this.upstream;
    this.upstream = null;
    old?.destroy();
    if (this.helloLine === null) return this.destroy();
    this.phase = "parked";
    void this.attach();
  }

  /** Never pass on a reply we cannot match to a command: a client out of step would misread every later one. */
  private protocolError(what: string): void {
    this.router.stats.protocolErrors++;
    this.opts.log.warn("router.protocol_error", { what, phase: this.phase, epoch: this.epoch });
    this.destroy();
  }

  destroy(): void {
    if (this.phase === "dead") return;
    this.phase = "dead";
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.upstream?.destroy();
    this.client.destroy();
  }
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(null);
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeAllListeners("error");
      resolve(sock);
    });
    sock.once("error", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(null);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
