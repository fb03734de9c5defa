import type { OnReadOpts, Socket } from "node:net";
import type { Logger } from "./log";
import type { RouteTarget } from "./route-target";
import type { Term } from "./term";

// The two sides of a routed connection, apart from the Router itself: the router tracks Sessions, and a
// session asks its host (the Router) only for what is declared here.

/** What the router asks of a connection it tracks. */
export interface Session {
  /** Client bytes this session keeps. */
  readonly retained: number;
  begin(): void;
  targetChanged(target: RouteTarget | null, draining?: Term): void;
  /** Closed to bring the router back under maxBufferedBytes. */
  evict(): void;
  /** Shutdown: close once no command of the client awaits its reply; at the deadline at the latest. */
  closeWhenIdle(deadline: number): void;
  destroy(): void;
}

/** What a session asks of the router it belongs to (see RouterOptions and RouterStats for the meanings). */
export interface SessionHost {
  readonly opts: { readonly holdMs: number; readonly password?: string; readonly log: Logger };
  readonly limits: {
    readonly maxLineBytes: number;
    readonly maxHeldBytes: number;
    readonly handshakeTimeoutMs: number;
  };
  /** The router's counters a session bumps. */
  readonly stats: {
    migrated: number;
    closedOnChange: number;
    protocolErrors: number;
    lineTooLong: number;
    handshakeTimeouts: number;
  };
  currentTarget(): RouteTarget | null;
  usable(target: RouteTarget | null): target is RouteTarget;
  drain(term: Term): void;
  refusedBy(target: RouteTarget): void;
  countCommands(epoch: number, n: number): void;
  retain(delta: number): void;
  onread(onData: (d: Buffer) => void): OnReadOpts;
  connectUpstream(
    deadline: number,
    signal: AbortSignal,
    onread?: OnReadOpts,
  ): Promise<{ sock: Socket; target: RouteTarget } | null>;
}
