import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

/**
 * A bare TCP client that records every "\r\n"-terminated line it receives and when it was closed, so a
 * test controls exactly which bytes go out when, and sees exactly what came back.
 */
export class RawConn {
  readonly lines: string[] = [];
  connectedAt: number | null = null;
  closedAt: number | null = null;
  private buf = "";
  private readonly sock: Socket;
  private readonly watchers = new Set<() => void>();

  /** With tls, the connection is TLS and counts as connected once its handshake is done. */
  constructor(port: number, tls?: ConnectionOptions) {
    this.sock = tls ? tlsConnect({ ...tls, port, host: "127.0.0.1" }) : connect({ port, host: "127.0.0.1" });
    this.sock.on(tls ? "secureConnect" : "connect", () => {
      this.connectedAt = Date.now();
      this.notify();
    });
    this.sock.on("data", (d: Buffer) => {
      this.buf += d.toString("latin1");
      let nl;
      while ((nl = this.buf.indexOf("\r\n")) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 2);
      }
      this.notify();
    });
    this.sock.on("error", () => undefined);
    this.sock.on("close", () => {
      this.closedAt = Date.now();
      this.notify();
    });
  }

  /** The socket itself, for tests of flow control (pause, write's return value, drain). */
  get socket(): Socket {
    return this.sock;
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.sock.write(data);
  }

  /** Resolves once pred holds (checked whenever something arrives), or false after timeoutMs. */
  until(pred: (c: RawConn) => boolean, timeoutMs: number): Promise<boolean> {
    if (pred(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred(this)) return;
        done(true);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.watchers.add(check);
    });
  }

  /** Line i, or null when the connection closed (or timeoutMs passed) first. */
  async line(i: number, timeoutMs = 3000): Promise<string | null> {
    await this.until((c) => c.lines.length > i || c.closed, timeoutMs);
    return this.lines[i] ?? null;
  }

  whenConnected(timeoutMs = 5000): Promise<boolean> {
    return this.until((c) => c.connectedAt !== null || c.closed, timeoutMs);
  }

  whenClosed(timeoutMs = 5000): Promise<boolean> {
    return this.until((c) => c.closed, timeoutMs);
  }

  destroy(): void {
    this.sock.destroy();
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}
