import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from "node:tls";
import { closeWith } from "./linger";

/** A TLS record starts with its content type; a ClientHello is in a handshake record (22). */
const TLS_HANDSHAKE_RECORD = 0x16;
/**
 * A TLS client sends its ClientHello as soon as TCP connects; a plain Faktory client says nothing until
 * it got the server's greeting. A connection silent this long is such a client: it is told, in plain
 * text, that this port speaks TLS, instead of waiting for a greeting that never comes.
 */
export const PLAIN_SILENCE_MS = 1_000;

export interface TlsListenerOptions {
  readonly context: SecureContextOptions;
  /** The whole handshake, from accept, is bounded by this (a slow or stuck client is destroyed). */
  readonly handshakeTimeoutMs: number;
  /** Connections open at once, handshakes included; one more is closed at arrival (onRefused). @default no cap */
  readonly maxConnections?: number;
  /** What a client speaking plain text gets before the connection closes, in its own protocol. */
  readonly plainReply: Buffer;
  /** Offered ALPN protocols (the peer port); none for the public ports. */
  readonly alpn?: readonly string[];
  readonly onSecure: (sock: TLSSocket) => void;
  readonly onRefused?: () => void;
  /** Checked as a connection arrives, before any TLS work; false closes it at once. */
  readonly admit?: () => boolean;
}

/**
 * A TCP server whose connections become TLS sockets once their handshake is done. Unlike tls.Server it
 * looks at the client's first bytes: a client that speaks plain text to a TLS port (a Faktory client
 * without tcp+tls://, or a browser on http://) gets a clear answer in its own protocol instead of a
 * connection that hangs and then breaks. The TLS socket itself is node's: it takes over the TCP handle,
 * and the bytes read to decide are handed to OpenSSL first.
 */
export class TlsListener {
  readonly server: Server;
  private context: SecureContext;

  constructor(private readonly opts: TlsListenerOptions) {
    this.context = createSecureContext(opts.context);
    this.server = createServer({ noDelay: true }, (raw) => this.accept(raw));
    if (opts.maxConnections !== undefined) this.server.maxConnections = opts.maxConnections;
    this.server.on("drop", () => opts.onRefused?.());
  }

  /** New connections use this certificate and key; open ones keep the ones they agreed on. */
  setSecureContext(context: SecureContextOptions): void {
    this.context = createSecureContext(context);
  }

  private accept(raw: Socket): void {
    if (this.opts.admit && !this.opts.admit()) return void raw.destroy();
    raw.on("error", () => raw.destroy());
    const deadline = setTimeout(() => raw.destroy(), this.opts.handshakeTimeoutMs);
    // Within the handshake bound, so a short FAKTORY_HA_HANDSHAKE_TIMEOUT_MS still gets its answer out.
    const silence = setTimeout(() => plain(), Math.min(PLAIN_SILENCE_MS, this.opts.handshakeTimeoutMs / 2));
    const plain = () => {
      clearTimeout(silence);
      clearTimeout(deadline);
      closeWith(raw, this.opts.plainReply);
    };
    raw.once("close", () => {
      clearTimeout(silence);
      clearTimeout(deadline);
    });
    raw.once("data", (first: Buffer) => {
      clearTimeout(silence);
      if (first[0] !== TLS_HANDSHAKE_RECORD) return plain();
      raw.pause();
      raw.unshift(first); // TLSSocket feeds what the socket already read to OpenSSL before the handle
      const sock = new TLSSocket(raw, {
        isServer: true,
        secureContext: this.context,
        ...(this.opts.alpn && { ALPNProtocols: [...this.opts.alpn] }),
      });
      sock.on("error", () => sock.destroy());
      sock.once("close", () => clearTimeout(deadline));
      sock.once("secure", () => {
        clearTimeout(deadline);
        this.opts.onSecure(sock);
      });
    });
  }
}
