import { connect, type OnReadOpts, type Socket } from "node:net";

/** One primary's term: the lease holder and its epoch. The epoch alone can repeat when Redis loses keys. */
export interface Term {
  readonly holder: string;
  readonly epoch: number;
}

export interface RouteTarget extends Term {
  readonly host: string;
  readonly port: number;
}

export function sameTerm(a: Term, b: Term): boolean {
  return a.epoch === b.epoch && a.holder === b.holder;
}

export function termKey(t: Term): string {
  return `${t.epoch}\u0000${t.holder}`;
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
