import type { Socket } from "node:net";
import type { RouteTarget } from "./route-target";
import type { Session, SessionHost } from "./session-host";
import { sameTerm, type Term } from "./term";

/** Byte-for-byte pipe (web UI). On a primary change it is closed: HTTP clients simply reconnect. */
export class PipeSession implements Session {
  private upstream: Socket | null = null;
  private term: Term | null = null;
  private dead = false;
  private readonly abort = new AbortController();
  /** What the client sent before an upstream existed; it stops being read past maxHeldBytes. */
  private early: Buffer[] = [];
  private earlyBytes = 0;

  constructor(
    private readonly router: SessionHost,
    private readonly client: Socket,
  ) {}

  get retained(): number {
    return this.earlyBytes;
  }

  begin(): void {
    this.client.on("data", this.onEarlyData);
    this.client.on("error", () => this.destroy());
    void this.attach();
  }

  private readonly onEarlyData = (d: Buffer): void => {
    this.early.push(d);
    this.earlyBytes += d.length;
    if (this.earlyBytes > this.router.limits.maxHeldBytes) this.client.pause();
    this.router.retain(d.length);
  };

  private async attach(): Promise<void> {
    const r = await this.router.connectUpstream(Date.now() + this.router.opts.holdMs, this.abort.signal);
    if (this.dead) return void r?.sock.destroy();
    if (!r) return this.destroy();
    this.upstream = r.sock;
    this.term = r.target;
    this.client.removeListener("data", this.onEarlyData);
    for (const d of this.early) r.sock.write(d);
    this.release();
    r.sock.on("error", () => this.destroy());
    r.sock.on("close", () => this.destroy());
    this.client.pipe(r.sock);
    r.sock.pipe(this.client);
  }

  targetChanged(target: RouteTarget | null, draining?: Term): void {
    if (draining !== undefined) return; // web requests are short; they follow the primary change
    if (this.term && !(target && sameTerm(target, this.term))) {
      this.router.stats.closedOnChange++;
      this.destroy();
    }
  }

  evict(): void {
    this.destroy();
  }

  /** The web UI's HTTP connections carry no state worth waiting for: the browser reconnects. */
  closeWhenIdle(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.abort.abort();
    this.release();
    this.upstream?.destroy();
    this.client.destroy();
  }

  private release(): void {
    this.router.retain(-this.earlyBytes);
    this.early = [];
    this.earlyBytes = 0;
  }
}
