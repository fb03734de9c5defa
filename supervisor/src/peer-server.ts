import { connect } from "node:net";
import type { ConnectionOptions, SecureContextOptions, TLSSocket } from "node:tls";
import type { Logger } from "./log";
import type { PeerTls } from "./route-target";
import type { TlsIdentity } from "./tls-files";
import { TlsListener } from "./tls-listener";

/** The ALPN protocols of the peer port: which of the pod's Faktory ports a connection reaches. */
export const PEER_PROTOCOLS = { faktory: "faktory-ha-job", web: "faktory-ha-web" } as const;

export interface PeerServerOptions {
  readonly listenHost: string;
  readonly port: number;
  /** The pod's own Faktory, on loopback: the job port and the web port. */
  readonly jobPort: number;
  readonly webPort: number;
  readonly context: SecureContextOptions;
  readonly handshakeTimeoutMs: number;
  /**
   * Whether this pod may serve its Faktory to other pods now: it holds a fresh term and its Faktory is
   * ready. Checked as a connection arrives, before any handshake work: a router that still thinks us
   * primary is turned away as a plain dial to a stopped Faktory would be.
   */
  readonly serving: () => boolean;
  readonly log: Logger;
}

/**
 * The peer TLS port: the other pods' routers reach this pod's Faktory through it, so a command never
 * crosses the network in plain text. Each connection is piped byte for byte to the internal port its
 * ALPN protocol names; the routers on the other side run the Faktory session (handshake, moves,
 * limits) exactly as for a plain internal port.
 */
export class PeerServer {
  private readonly listener: TlsListener;
  private listening = false;
  /** Open peer connections: closed with the server (net.Server#close would wait for them). */
  private readonly open = new Set<TLSSocket>();

  constructor(private readonly opts: PeerServerOptions) {
    this.listener = new TlsListener({
      context: opts.context,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      plainReply: PLAIN_PEER_REPLY,
      alpn: [PEER_PROTOCOLS.faktory, PEER_PROTOCOLS.web],
      onSecure: (sock) => this.forward(sock),
      admit: opts.serving,
    });
  }

  get port(): number {
    const a = this.listener.server.address();
    return a && typeof a === "object" ? a.port : this.opts.port;
  }

  async listen(): Promise<void> {
    const server = this.listener.server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.listenHost, () => resolve());
    });
    server.on("error", (e) => this.opts.log.error("peer.error", { error: e.message }));
    this.listening = true;
  }

  setSecureContext(context: SecureContextOptions): void {
    this.listener.setSecureContext(context);
  }

  close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.listener.server.close(() => resolve()));
    for (const sock of this.open) sock.destroy();
    return closed;
  }

  private forward(sock: TLSSocket): void {
    const port =
      sock.alpnProtocol === PEER_PROTOCOLS.faktory
        ? this.opts.jobPort
        : sock.alpnProtocol === PEER_PROTOCOLS.web
          ? this.opts.webPort
          : null;
    if (port === null) return void sock.destroy();
    this.open.add(sock);
    sock.once("close", () => this.open.delete(sock));
    const up = connect({ host: "127.0.0.1", port, noDelay: true });
    sock.setNoDelay(true);
    const end = () => {
      sock.destroy();
      up.destroy();
    };
    sock.on("error", end);
    up.on("error", end);
    sock.on("close", end);
    up.on("close", end);
    sock.pipe(up);
    up.pipe(sock);
  }
}

/** A plain-text dial of the peer port (a router of a release without TLS) reads this as Faktory's greeting. */
const PLAIN_PEER_REPLY = Buffer.from("-ERR this faktory-ha peer port speaks TLS only\r\n");

/** How often a router says that dials of the same peer keep failing. */
const PEER_FAILURE_REPEAT_MS = 60_000;

/**
 * The routers' side of the peer port: dial options from the current identity, so a rotated ca.crt
 * applies to the next dial. The peer's certificate must chain to ca.crt (the system's roots without
 * one) and be valid for a name of this pod's own certificate: every pod serves the same Secret, and a
 * certificate the same CA gave another workload is refused.
 */
export class PeerDialer {
  private readonly said = new Map<string, number>();

  constructor(
    private readonly identity: () => TlsIdentity,
    private readonly log: Logger,
  ) {}

  /** What a route target to the peer port carries for the given router. */
  dial(router: keyof typeof PEER_PROTOCOLS, peer: string): PeerTls {
    return {
      protocol: PEER_PROTOCOLS[router],
      options: () => this.options(),
      failed: (error) => this.failed(router, peer, error),
    };
  }

  options(): ConnectionOptions {
    const id = this.identity();
    return {
      ...(id.files.ca && { ca: id.files.ca }),
      servername: peerName(id.names),
      rejectUnauthorized: true,
    };
  }

  /**
   * Says why a peer could not be verified. A refused or reset dial is the normal moment of a failover
   * (the new primary's Faktory is not ready yet) and is not worth a line; a certificate that does not
   * verify is a misconfiguration that holds every connection until it is fixed.
   */
  private failed(router: string, peer: string, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE" || code === "ETIMEDOUT") return;
    const key = `${router} ${peer} ${error.message}`;
    const now = Date.now();
    if (now - (this.said.get(key) ?? -Infinity) < PEER_FAILURE_REPEAT_MS) return;
    this.said.set(key, now);
    this.log.warn("router.peer_dial_failed", { router, peer, error: error.message });
  }
}

/** A name to verify the peer's certificate against: a wildcard name stands for any one label. */
export function peerName(names: readonly string[]): string | undefined {
  const name = names.find((n) => !n.startsWith("*.")) ?? names[0];
  return name?.startsWith("*.") ? `peer${name.slice(1)}` : name;
}
