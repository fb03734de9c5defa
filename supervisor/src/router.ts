import { createServer, Socket, type OnReadOpts, type Server, type SocketConstructorOpts } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { TLSSocket, type SecureContextOptions } from "node:tls";
import { FaktorySession } from "./faktory-session";
import type { Logger } from "./log";
import { PipeSession } from "./pipe-session";
import { targetGreets, tryConnect, type RouteTarget } from "./route-target";
import type { Session, SessionHost } from "./session-host";
import { CONNECT_TIMEOUT_MS, TargetWatch } from "./target-watch";
import { TlsListener } from "./tls-listener";
import { sameTerm, termKey, type Term } from "./term";

export interface RouterOptions {
  readonly name: "faktory" | "web";
  readonly listenHost: string;
  readonly port: number;
  /** How long a connection may wait for a primary before it is closed. */
  readonly holdMs: number;
  /** Needed to re-handshake a moved Faktory connection with a new primary that has a password. */
  readonly password?: string;
  /**
   * The longest command line (Faktory) a client may send, counting its newline. Faktory itself has no
   * limit (a job is one line); a longer line gets `-ERR line too long` and the connection is closed.
   * @default 8 MiB
   */
  readonly maxLineBytes?: number;
  /**
   * Complete commands one connection may have waiting (for a primary, or for their reply) before the
   * router stops reading from it: TCP backpressure instead of more memory.
   * @default 1 MiB
   */
  readonly maxHeldBytes?: number;
  /**
   * Client bytes all connections together may keep. Past it, the connection keeping the most is closed
   * (a slow sender of a huge line cannot starve the others).
   * @default 256 MiB
   */
  readonly maxBufferedBytes?: number;
  /**
   * Open client connections; one more is closed at once.
   * @default 10000
   */
  readonly maxConnections?: number;
  /**
   * Time a Faktory client has, from the moment the greeting reached it, to complete its own HELLO.
   * Faktory allows 2 s from connect (server.go startConnection).
   * @default 2000
   */
  readonly handshakeTimeoutMs?: number;
  /** TLS on this router (see RouterTls). Absent: the plain port only, exactly as without TLS. */
  readonly tls?: RouterTls;
  readonly log: Logger;
}

/**
 * A TLS port beside (or instead of) the plain one. TLS is only the transport: every connection, once
 * its handshake is done, is the same session as on the plain port, with the same limits.
 */
export interface RouterTls {
  readonly port: number;
  /** Whether the plain port stays open too (mode optional) or is closed (mode required). */
  readonly plain: boolean;
  /** The certificate and key (setSecureContext replaces them on rotation). */
  readonly context: SecureContextOptions;
}

/** RouterOptions with every default applied. */
export type RouterLimits = Required<
  Pick<
    RouterOptions,
    "maxLineBytes" | "maxHeldBytes" | "maxBufferedBytes" | "maxConnections" | "handshakeTimeoutMs"
  >
>;

export interface RouterStats {
  /** Commands (Faktory) forwarded, per lease epoch of the primary that got them. */
  commandsByEpoch: Record<number, number>;
  active: number;
  total: number;
  /** Connections waiting for a primary right now. */
  held: number;
  migrated: number;
  closedOnChange: number;
  holdTimeouts: number;
  /** Sessions closed because upstream sent something that did not fit the protocol. */
  protocolErrors: number;
  /** Connections closed on arrival: maxConnections were open. */
  refused: number;
  /** Connections closed for a line longer than maxLineBytes (or a first line longer than a HELLO may be). */
  lineTooLong: number;
  /** Faktory clients that had not completed their HELLO handshakeTimeoutMs after the greeting. */
  handshakeTimeouts: number;
  /** Connections closed because all together kept more than maxBufferedBytes. */
  evicted: number;
  /** Client bytes kept right now: unfinished lines, commands held or awaiting their reply. */
  heldBytes: number;
  /** Bytes read from clients (snapshot() adds what open connections have read so far). */
  bytesIn: number;
  /** Bytes written to clients (likewise). */
  bytesOut: number;
}

/** Stats of a router that has seen nothing yet. */
export function emptyRouterStats(): RouterStats {
  return {
    commandsByEpoch: {},
    active: 0,
    total: 0,
    held: 0,
    migrated: 0,
    closedOnChange: 0,
    holdTimeouts: 0,
    protocolErrors: 0,
    refused: 0,
    lineTooLong: 0,
    handshakeTimeouts: 0,
    evicted: 0,
    heldBytes: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
}

/**
 * Listens on a public port and pipes each connection to the primary's internal port. While no primary
 * is known (or it does not accept yet) connections are held for up to holdMs. When the primary
 * changes, web connections to the old one are closed; Faktory connections are moved instead when
 * that is provably safe (see FaktorySession).
 */
export class Router implements SessionHost {
  readonly stats: RouterStats = emptyRouterStats();
  readonly limits: RouterLimits;
  private server: Server | null = null;
  private tlsListener: TlsListener | null = null;
  private closed: Promise<void> | null = null;
  private target: RouteTarget | null = null;
  private readonly sessions = new Set<Session>();
  /** Open client sockets, for the byte counts of snapshot(). */
  private readonly clients = new Set<Socket>();
  private guard: (target: RouteTarget) => boolean = () => true;
  private readonly draining = new Set<string>();
  /** Whether the current target's term is draining (kept with target, looked up once per change). */
  private targetDraining = false;
  private readonly watch: TargetWatch;
  /** Where this router's Faktory sockets read (net's onread); each read is copied out at once. */
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

  constructor(readonly opts: RouterOptions) {
    this.watch = new TargetWatch(
      () => this.target,
      (t) => this.usable(t),
      opts.name === "faktory" ? (t) => targetGreets(t, CONNECT_TIMEOUT_MS) : accepts,
    );
    this.limits = {
      maxLineBytes: opts.maxLineBytes ?? 8 * 1024 * 1024,
      maxHeldBytes: opts.maxHeldBytes ?? 1024 * 1024,
      maxBufferedBytes: opts.maxBufferedBytes ?? 256 * 1024 * 1024,
      maxConnections: opts.maxConnections ?? 10_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 2_000,
    };
  }

  /** The stats with the bytes open connections have moved so far: for counters read at scrape time. */
  snapshot(): RouterStats {
    const s = { ...this.stats, commandsByEpoch: { ...this.stats.commandsByEpoch } };
    for (const c of this.clients) {
      s.bytesIn += c.bytesRead;
      s.bytesOut += c.bytesWritten;
    }
    return s;
  }

  /**
   * Checked synchronously before every forwarded command and connection. The supervisor uses it to
   * refuse its own Faktory once its lease may have lapsed: after a freeze, socket events can run before
   * the timer that would demote it.
   */
  setGuard(guard: (target: RouteTarget) => boolean): void {
    this.guard = guard;
  }

  usable(target: RouteTarget | null): target is RouteTarget {
    if (target === null) return false;
    const draining = target === this.target ? this.targetDraining : this.draining.has(termKey(target));
    return !draining && this.guard(target);
  }

  /**
   * The primary of this term is about to stop (planned): send it nothing new. Idle connections move
   * on as soon as the next primary is known; new commands wait for it.
   */
  drain(term: Term): void {
    this.draining.add(termKey(term));
    this.targetDraining = this.target !== null && this.draining.has(termKey(this.target));
    this.watch.changed();
    for (const s of this.sessions) s.targetChanged(this.target, term);
  }

  countCommands(epoch: number, n: number): void {
    this.stats.commandsByEpoch[epoch] = (this.stats.commandsByEpoch[epoch] ?? 0) + n;
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === "object" ? a.port : this.opts.port;
  }

  /** The TLS port (its real number when listening on port 0), or null without TLS. */
  get tlsPort(): number | null {
    if (!this.opts.tls) return null;
    const a = this.tlsListener?.server.address();
    return a && typeof a === "object" ? a.port : this.opts.tls.port;
  }

  async listen(): Promise<void> {
    const tls = this.opts.tls;
    if (!tls || tls.plain) {
      // Faktory connections are taken over paused (see adopt); web connections are piped as they are.
      this.server = await this.bind(
        createServer({ noDelay: true, pauseOnConnect: this.opts.name === "faktory" }, (sock) =>
          this.accept(sock),
        ),
        this.opts.port,
      );
    }
    if (tls) {
      // A session starts once the TLS handshake is done. Until then a connection costs a handshake:
      // bounded by the same time as Faktory's own handshake, and counted by the connection cap (the
      // net.Server count is exact here: TLS sockets are never adopted). A client that cannot finish
      // (a wrong CA, an expired certificate, too slow) never became a session: nothing to undo.
      const listener = new TlsListener({
        context: tls.context,
        handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
        maxConnections: this.limits.maxConnections,
        plainReply: this.opts.name === "faktory" ? PLAIN_FAKTORY_REPLY : PLAIN_HTTP_REPLY,
        onSecure: (sock) => this.accept(sock),
        onRefused: () => this.stats.refused++,
      });
      this.tlsListener = listener;
      await this.bind(listener.server, tls.port);
    }
  }

  /** Replaces the certificate and key for new TLS connections; open ones keep theirs. */
  setSecureContext(context: SecureContextOptions): void {
    this.tlsListener?.setSecureContext(context);
  }

  private async bind<T extends Server>(server: T, port: number): Promise<T> {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.opts.listenHost, () => resolve());
    });
    server.on("error", (e) =>
      this.opts.log.error("router.error", { router: this.opts.name, error: e.message }),
    );
    return server;
  }

  setTarget(target: RouteTarget | null): void {
    const prev = this.target;
    if (prev === target) return;
    if (prev && target && sameTerm(prev, target) && prev.host === target.host && prev.port === target.port)
      return;
    this.target = target;
    this.targetDraining = target !== null && this.draining.has(termKey(target));
    this.watch.changed();
    for (const s of this.sessions) s.targetChanged(target);
  }

  currentTarget(): RouteTarget | null {
    return this.target;
  }

  /** Stops accepting new connections; existing ones carry on until close(). */
  stopAccepting(): void {
    const servers = [this.server, this.tlsListener?.server].filter((s): s is Server => !!s);
    if (servers.length === 0 || this.closed) return;
    this.closed = Promise.all(
      servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ).then(() => undefined);
  }

  /**
   * Stops accepting and closes every connection: each as soon as nothing it sent awaits a reply, so
   * a client sees the connection end between commands rather than lose one in flight (its pool then
   * opens a new connection, to a pod that is not going away); the rest when graceMs ran out.
   */
  async close(graceMs = 0): Promise<void> {
    this.stopAccepting();
    const deadline = Date.now() + graceMs;
    for (const s of this.sessions) s.closeWhenIdle(deadline);
    while (this.clients.size > 0 && Date.now() < deadline) await sleep(CLOSE_POLL_MS);
    for (const s of this.sessions) s.destroy();
    await this.closed;
  }

  /** A session's kept bytes changed by delta; over the router-wide budget, the biggest keepers go. */
  retain(delta: number): void {
    this.stats.heldBytes += delta;
    while (delta > 0 && this.stats.heldBytes > this.limits.maxBufferedBytes) {
      let biggest: Session | null = null;
      for (const s of this.sessions) if (s.retained > (biggest?.retained ?? 0)) biggest = s;
      if (!biggest) return;
      this.stats.evicted++;
      this.sessions.delete(biggest); // gone from the budget's view even if its socket lingers
      biggest.evict();
    }
  }

  /**
   * Socket reads into the router's one buffer, handed on as a copy of just what was read: no read
   * allocates a buffer of its own, and none goes through the stream machinery ("data" events).
   */
  onread(onData: (d: Buffer) => void): OnReadOpts {
    const buf = this.readBuffer;
    return {
      buffer: buf,
      callback: (n: number) => {
        const d = Buffer.allocUnsafe(n);
        buf.copy(d, 0, 0, n);
        onData(d);
        return true;
      },
    };
  }

  /** The target closed a connection before serving it: connect again only after a probe. */
  refusedBy(target: RouteTarget): void {
    this.watch.refused(target);
  }

  /**
   * Connects to the current primary. While it is unknown, unusable or not accepting yet (a new
   * primary's Faktory boots for a moment after it took the lease), waits on the router's one prober,
   * until the deadline. Null at the deadline (counted) or on abort. With onread, the socket reads
   * into the caller's buffer (net's onread) instead of emitting "data".
   */
  async connectUpstream(
    deadline: number,
    signal: AbortSignal,
    onread?: OnReadOpts,
  ): Promise<{ sock: Socket; target: RouteTarget } | null> {
    let held = false;
    try {
      while (!signal.aborted && Date.now() < deadline) {
        const target = this.target;
        if (target && this.watch.accepts(target) && this.usable(target)) {
          const timeout = Math.min(deadline - Date.now(), CONNECT_TIMEOUT_MS);
          // A TLS target reads through "data" events (the session listens once it has the socket).
          const sock = await tryConnect(target, timeout, signal, target.tls ? undefined : onread);
          if (sock && this.target === target && !signal.aborted) return { sock, target };
          sock?.destroy();
          if (!sock) this.watch.refused(target);
          continue;
        }
        if (!held) {
          held = true;
          this.stats.held++;
        }
        if (!(await this.watch.wait(deadline, signal))) break;
      }
      if (!signal.aborted) this.stats.holdTimeouts++;
      return null;
    } finally {
      if (held) this.stats.held--;
    }
  }

  private accept(accepted: Socket): void {
    let client = accepted;
    if (this.sessions.size >= this.limits.maxConnections) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    this.stats.total++;
    this.stats.active++;
    let session: Session;
    if (this.opts.name === "faktory") {
      let fs: FaktorySession | null = null;
      // A TLS socket's handle is OpenSSL's stream, not the TCP handle: it reads "data" events.
      const adopted =
        client instanceof TLSSocket
          ? null
          : adopt(
              client,
              this.onread((d) => fs?.onClientData(d)),
            );
      if (adopted) client = adopted;
      fs = new FaktorySession(this, client, adopted !== null);
      session = fs;
    } else session = new PipeSession(this, client);
    client.setNoDelay(true);
    this.sessions.add(session);
    this.clients.add(client);
    client.once("close", () => {
      this.clients.delete(client);
      this.stats.bytesIn += client.bytesRead;
      this.stats.bytesOut += client.bytesWritten;
      this.sessions.delete(session);
      this.stats.active--;
      session.destroy();
    });
    session.begin();
  }
}

const READ_BUFFER_BYTES = 64 * 1024;
/** What a Faktory client that connects without TLS to a TLS port reads where it expects the greeting. */
const PLAIN_FAKTORY_REPLY = Buffer.from("-ERR this port speaks TLS only: connect with tcp+tls://\r\n");
/** What a browser or HTTP client gets on the web UI's TLS port over http:// (a readable 400). */
const PLAIN_HTTP_BODY = "This port speaks HTTPS only: use https://\n";
const PLAIN_HTTP_REPLY = Buffer.from(
  "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n" +
    `content-length: ${PLAIN_HTTP_BODY.length}\r\n\r\n${PLAIN_HTTP_BODY}`,
);
const CLOSE_POLL_MS = 20;

/**
 * The accepted connection's handle in a socket that reads with onread, which net.Server does not
 * offer for the sockets it accepts. The accepted socket (paused, never read) lets go of the handle
 * and is destroyed, which only updates the server's count. Null, and the socket left as it was, when
 * the handle is not what this expects; the caller then reads "data" events.
 */
function adopt(accepted: Socket, onread: OnReadOpts): Socket | null {
  const inner = accepted as unknown as { _handle?: { readStart?: unknown } | null };
  const handle = inner._handle;
  if (!handle || typeof handle.readStart !== "function") return null;
  let sock: Socket;
  try {
    sock = new Socket({ handle, readable: true, writable: true, onread } as SocketWithHandleOpts);
  } catch {
    return null;
  }
  inner._handle = null;
  accepted.destroy();
  return sock;
}

/** net.Socket's constructor takes an existing handle (as net.Server does for what it accepts). */
interface SocketWithHandleOpts extends SocketConstructorOpts {
  handle: unknown;
}

async function accepts(target: RouteTarget): Promise<boolean> {
  const sock = await tryConnect(target, CONNECT_TIMEOUT_MS);
  sock?.destroy();
  return sock !== null;
}
