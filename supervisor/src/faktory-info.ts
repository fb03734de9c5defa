import { connect, type Socket } from "node:net";
import { parseGreeting, passwordHash, replyLength } from "./faktory-protocol";

/**
 * Reads Faktory's own figures for /metrics: `INFO` (server/server.go CurrentState: queue sizes from
 * LLEN, set sizes from ZCARD, the `processed` and `failures` counters) and `QUEUE LATENCY <queues…>`
 * (server/commands.go queueLatency: the age of the oldest job of each queue, from its `enqueued_at`).
 * On the local Faktory's internal port, authenticated like any client.
 */

/** The parts of Faktory's INFO reply (client/faktory.go FaktoryState) used here. */
export interface FaktoryInfo {
  readonly faktory: {
    readonly queues: Readonly<Record<string, number>>;
    readonly sets: Readonly<Record<string, number>>;
    readonly total_processed: number;
    readonly total_failures: number;
    /** Jobs waiting in all queues now: a sum of queue sizes, not a count of enqueues. */
    readonly total_enqueued: number;
    readonly total_queues: number;
  };
  readonly server: { readonly connections: number; readonly faktory_version?: string };
}

export interface QueueFigure {
  readonly queue: string;
  readonly size: number;
  /** Seconds since the oldest job waiting in the queue was enqueued; null when Faktory did not say. */
  readonly latencySeconds: number | null;
}

export interface FaktoryFigures {
  /** At most maxQueues + 1 entries: the largest queues, then "_other" for the rest. */
  readonly queues: readonly QueueFigure[];
  /** All queues Faktory knows, including those folded into "_other". */
  readonly queueCount: number;
  /** Every queue Faktory listed, by name, none folded: what the scaler endpoint answers from. */
  readonly byQueue: ReadonlyMap<string, QueueFigure>;
  readonly processed: number;
  readonly failed: number;
  readonly sets: Readonly<Record<"working" | "scheduled" | "retries" | "dead", number>>;
  /** Open client connections, our own INFO connection excluded. */
  readonly connections: number;
  /** The Faktory release serving (INFO's `faktory_version`): what an operator checks during an upgrade. */
  readonly version: string | null;
}

export const OTHER_QUEUE = "_other";
export const DEFAULT_MAX_QUEUES = 100;
const SETS = ["working", "scheduled", "retries", "dead"] as const;

/**
 * Figures for /metrics from one INFO (+ QUEUE LATENCY) read. The largest `maxQueues` queues (ties by
 * name) keep their own series; the others are folded into `_other`: sizes summed, latency the largest.
 */
export function faktoryFigures(
  info: FaktoryInfo,
  latency: Readonly<Record<string, number>> | null,
  maxQueues = DEFAULT_MAX_QUEUES,
): FaktoryFigures {
  const d = info.faktory;
  const lat = (q: string): number | null => {
    const v = latency?.[q];
    return typeof v === "number" && Number.isFinite(v) ? Math.max(0, v) : null;
  };
  const all = Object.entries(d.queues ?? {})
    .map(([queue, size]) => ({ queue, size: Number(size) || 0 }))
    .sort((a, b) => b.size - a.size || (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  const each: QueueFigure[] = all.map((q) => ({ ...q, latencySeconds: lat(q.queue) }));
  const kept = each.slice(0, maxQueues);
  const rest = all.slice(maxQueues);
  if (rest.length > 0) {
    const lats = rest.map((q) => lat(q.queue)).filter((v): v is number => v !== null);
    kept.push({
      queue: OTHER_QUEUE,
      size: rest.reduce((s, q) => s + q.size, 0),
      latencySeconds: lats.length ? Math.max(...lats) : null,
    });
  }
  const sets = Object.fromEntries(SETS.map((s) => [s, Number(d.sets?.[s]) || 0])) as FaktoryFigures["sets"];
  return {
    queues: kept,
    queueCount: all.length,
    byQueue: new Map(each.map((q) => [q.queue, q])),
    processed: Number(d.total_processed) || 0,
    failed: Number(d.total_failures) || 0,
    sets,
    connections: Math.max(0, (Number(info.server?.connections) || 0) - 1),
    version: typeof info.server?.faktory_version === "string" ? info.server.faktory_version : null,
  };
}

export interface InfoClientOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  /** Queue names per QUEUE LATENCY command. */
  readonly latencyBatch?: number;
}

export interface InfoRead {
  readonly info: FaktoryInfo;
  /** null when this Faktory has no QUEUE LATENCY command (older than 1.9). */
  readonly latency: Record<string, number> | null;
}

/** One Faktory connection: commands go out one at a time, replies come back in order. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private error: Error | null = null;

  constructor(private readonly sock: Socket) {
    sock.on("data", (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      try {
        for (let n = replyLength(this.buf); n > 0 && this.waiting.length; n = replyLength(this.buf)) {
          const reply = this.buf.subarray(0, n);
          this.buf = this.buf.subarray(n);
          this.waiting.shift()!.resolve(reply);
        }
      } catch (e) {
        this.destroy(e as Error);
      }
    });
    sock.on("error", (e) => this.destroy(e));
    sock.on("close", () => this.destroy(new Error("Faktory closed the connection")));
  }

  next(): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  send(line: string): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error);
    this.sock.write(line + "\r\n");
    return this.next();
  }

  destroy(e: Error): void {
    this.error ??= e;
    this.sock.destroy();
    for (const w of this.waiting.splice(0)) w.reject(this.error);
  }
}

/**
 * Reads INFO and QUEUE LATENCY over one kept connection: the HELLO's password hash (4,000–8,095
 * SHA-256 rounds, 20–50 ms of CPU) is paid once per connection, not once per read. Any error or
 * timeout drops the connection; the next read opens a new one.
 */
export class FaktoryInfoClient {
  private conn: Connection | null = null;

  constructor(private readonly o: InfoClientOptions) {}

  async read(timeoutMs: number): Promise<InfoRead> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no INFO within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.readOnce(), timeout]);
    } catch (e) {
      this.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.conn?.destroy(new Error("closed"));
    this.conn = null;
  }

  private async readOnce(): Promise<InfoRead> {
    const c = this.conn ?? (this.conn = await this.connect());
    const info = JSON.parse(bulk(await c.send("INFO"), "INFO")) as FaktoryInfo;
    const names = Object.keys(info.faktory?.queues ?? {});
    let latency: Record<string, number> | null = {};
    const batch = this.o.latencyBatch ?? 500;
    for (let i = 0; i < names.length && latency; i += batch) {
      const reply = await c.send(`QUEUE LATENCY ${names.slice(i, i + batch).join(" ")}`);
      if (reply[0] === 0x2d) latency = null;
      else Object.assign(latency, JSON.parse(bulk(reply, "QUEUE LATENCY")) as Record<string, number>);
    }
    return { info, latency };
  }

  private async connect(): Promise<Connection> {
    const sock = connect({ host: this.o.host, port: this.o.port });
    const c = new Connection(sock);
    try {
      const greeting = parseGreeting(await c.next());
      if (!greeting) throw new Error("not a Faktory greeting");
      const hello: Record<string, unknown> = { v: 2, hostname: "faktory-ha-metrics", pid: process.pid };
      if (greeting.s !== undefined) {
        if (this.o.password === undefined) {
          throw new Error("Faktory wants a password: FAKTORY_PASSWORD is not set");
        }
        hello.pwdhash = passwordHash(this.o.password, greeting.s, greeting.i ?? 1);
      }
      expectOk(await c.send(`HELLO ${JSON.stringify(hello)}`), "HELLO");
      return c;
    } catch (e) {
      c.destroy(e as Error);
      throw e;
    }
  }
}

function expectOk(reply: Buffer, what: string): void {
  if (!reply.toString("latin1").startsWith("+OK")) {
    throw new Error(`${what}: ${reply.toString("utf8").trim()}`);
  }
}

/** The body of a `$n` bulk reply; Faktory's `-ERR …` becomes an exception. */
function bulk(reply: Buffer, what: string): string {
  if (reply[0] !== 0x24) throw new Error(`${what}: ${reply.toString("utf8").trim()}`);
  const eol = reply.indexOf("\r\n");
  return reply.toString("utf8", eol + 2, reply.length - 2);
}
