import { connect, type OnReadOpts, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { greets } from "./faktory-process";
import type { Term } from "./term";

/** Where a router sends connections: the primary's internal address, and the term it serves. */
export interface RouteTarget extends Term {
  readonly host: string;
  readonly port: number;
  /**
   * Set when the address is another pod's peer TLS port (peer-server.ts): the connection is TLS, and
   * reads come as "data" events (net's onread does not apply to TLS). Absent: plain TCP, as always.
   */
  readonly tls?: PeerTls;
}

/** How a router dials a peer TLS port and verifies it. */
export interface PeerTls {
  /** The ALPN protocol that tells the peer port which of its Faktory's ports to reach. */
  readonly protocol: string;
  /** Options for the next dial: read each time, so a rotated CA applies at once. */
  options(): ConnectionOptions;
  /** A dial failed with an error (refused, reset, not verified); the owner says what matters. */
  failed(error: Error): void;
}

/**
 * A connected socket, or null on refusal, timeout or abort. With onread (plain targets only), reads go
 * to its buffer. A TLS target counts as connected once the handshake verified the peer and it agreed
 * on the protocol.
 */
export function tryConnect(
  target: { readonly host: string; readonly port: number; readonly tls?: PeerTls },
  timeoutMs: number,
  signal?: AbortSignal,
  onread?: OnReadOpts,
): Promise<Socket | null> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(null);
    const peer = target.tls;
    const sock = peer
      ? tlsConnect({
          ...peer.options(),
          host: target.host,
          port: target.port,
          ALPNProtocols: [peer.protocol],
        }).setNoDelay(true)
      : connect({ host: target.host, port: target.port, noDelay: true, ...(onread && { onread }) });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      sock.removeListener("error", onError);
      if (!ok) sock.destroy();
      resolve(ok ? sock : null);
    };
    const onAbort = () => done(false);
    const onError = (e: Error) => {
      peer?.failed(e);
      done(false);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once(peer ? "secureConnect" : "connect", () => {
      const alpn = peer ? (sock as Socket & { alpnProtocol?: string | false }).alpnProtocol : undefined;
      if (peer && alpn !== peer.protocol) {
        return onError(
          new Error(`the peer port did not agree on ${peer.protocol} (not a faktory-ha peer port?)`),
        );
      }
      done(true);
    });
    sock.once("error", onError);
  });
}

/** Whether the target's Faktory greets a new connection (a plain target: as Faktory itself is probed). */
export async function targetGreets(target: RouteTarget, timeoutMs: number): Promise<boolean> {
  if (!target.tls) return greets(target.host, target.port, timeoutMs);
  const sock = await tryConnect(target, timeoutMs);
  if (!sock) return false;
  return new Promise((resolve) => {
    let buf = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n")) done(buf.startsWith("+HI "));
    });
    sock.on("error", () => done(false));
    sock.on("close", () => done(buf.startsWith("+HI ")));
  });
}
