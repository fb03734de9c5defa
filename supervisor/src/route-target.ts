import { connect, type OnReadOpts, type Socket } from "node:net";
import type { Term } from "./term";

/** Where a router sends connections: the primary's internal address, and the term it serves. */
export interface RouteTarget extends Term {
  readonly host: string;
  readonly port: number;
}

/** A connected socket, or null on refusal, timeout or abort. With onread, reads go to its buffer. */
export function tryConnect(
  target: { readonly host: string; readonly port: number },
  timeoutMs: number,
  signal?: AbortSignal,
  onread?: OnReadOpts,
): Promise<Socket | null> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(null);
    const sock = connect({ host: target.host, port: target.port, noDelay: true, ...(onread && { onread }) });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      sock.removeListener("error", onError);
      if (!ok) sock.destroy();
      resolve(ok ? sock : null);
    };
    const onAbort = () => done(false);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once("connect", () => done(true));
    sock.once("error", onError);
  });
}
