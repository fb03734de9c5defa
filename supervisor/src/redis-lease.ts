import { Redis, type RedisOptions } from "ioredis";
import {
  ACQUIRE_LUA,
  leaseKeys,
  memberKey,
  parseLeaseValue,
  POLL_LUA,
  RELEASE_LUA,
  RENEW_LUA,
  type LeaseValue,
} from "./lease-scripts";
import type { Acquired, ForeignLease, LeaseEvent, LeaseStore, Member, Observed } from "./lease-store";
import {
  foreignValue,
  isCompatible,
  PROTOCOL_VERSION,
  protocolOf,
  type ForeignValue,
} from "./protocol-version";
import { redact } from "./log";

export interface RedisLeaseOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** The Redis database of the lease keys, whatever database the URL names (that one is Faktory's). */
  readonly database: number;
  readonly id: string;
  readonly addr: string;
  readonly webAddr: string;
  /** host:port of this pod's peer TLS port, announced in the lease; "" without TLS. @default "" */
  readonly peerAddr?: string;
  /** host:port of this pod's health server, announced in the lease (scaler forwarding). @default "" */
  readonly healthAddr?: string;
  readonly ttlMs: number;
  /** renewDeadline + stopTimeout: written into the lease so a successor knows how long to wait. */
  readonly fenceMs: number;
  /** renewDeadline + fence - ttl, when positive (see LeaseValue.overrun). */
  readonly overrunMs: number;
  /** Upper bound for one Redis call, so a hung call cannot outlive the renew deadline. */
  readonly commandTimeoutMs: number;
  /** The pod template revision, written into the presence key (see ElectorTimings.revision). @default "" */
  readonly revision?: string;
  /** The pod's UID, written into the lease value (see ElectorTimings.podUid). @default "" */
  readonly podUid?: string;
  /**
   * A lease, announcement or presence key of a protocol version this release does not read was met and
   * ignored (see protocol-version.ts). Called for every one met: the caller decides how often to say so.
   * @default undefined
   */
  readonly onForeign?: (value: ForeignValue) => void;
}

/** What RedisLease.fenceClients did on the server. */
export interface FencedClients {
  /** Connections closed. */
  readonly closed: number;
  /** Named connections from those hosts, left open (their names): ours, a harness, or a client to look at. */
  readonly spared: readonly string[];
}

/**
 * Replies that mean "this connection is on the wrong node": a primary demoted to a replica
 * (READONLY), a node still loading its data after a restart or failover (LOADING), a replica whose
 * primary is gone (MASTERDOWN). ElastiCache's primary endpoint sends new connections to the new
 * primary but leaves open ones where they are, so the only fix is a new connection.
 */
const WRONG_NODE = /^(READONLY|LOADING|MASTERDOWN)\b/;

/**
 * Builds ioredis options from a redis:// or rediss:// URL: TLS for rediss, password and user from the
 * URL, fail fast instead of queueing commands while disconnected (a queued renew is worse than a failed
 * one), and reconnect forever with a capped backoff.
 */
export function redisOptions(url: string, commandTimeoutMs: number): RedisOptions {
  const u = new URL(url);
  const opts: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    connectTimeout: Math.max(1000, commandTimeoutMs),
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    // Reconnect, but do not resend: the elector decides afresh on its next tick.
    reconnectOnError: (err) => (WRONG_NODE.test(err.message) ? 1 : false),
    lazyConnect: true,
  };
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (u.username && u.username !== "default") opts.username = decodeURIComponent(u.username);
  if (u.protocol === "rediss:") opts.tls = { servername: opts.host };
  return opts;
}

type LeaseRedis = Redis & {
  haAcquire(
    leader: string,
    epoch: string,
    history: string,
    id: string,
    addr: string,
    web: string,
    ttl: number,
    now: number,
    floor: number,
    fence: number,
    overrun: number,
    version: number,
    peer: string,
    podUid: string,
    health: string,
  ): Promise<[string, number, number] | null>;
  haRenew(leader: string, value: string, ttl: number): Promise<number>;
  haRelease(leader: string, value: string): Promise<number>;
  haPoll(
    leader: string,
    member: string,
    history: string,
    value: string,
    memberTtl: number,
    ttl: number,
  ): Promise<[string, number] | null>;
};

/** The lease on a real Redis. The stored string is kept verbatim, because renew/release compare it. */
export class RedisLease implements LeaseStore {
  readonly redis: LeaseRedis;
  private readonly keys: ReturnType<typeof leaseKeys>;
  private readonly raw = new Map<string, string>();
  private subscriber: Redis | null = null;
  /** The last connection-level error (WRONGPASS, TLS, refused…), which failed commands only hint at. */
  private connectionError: string | null = null;

  constructor(private readonly opts: RedisLeaseOptions) {
    this.keys = leaseKeys(opts.keyPrefix);
    const redis = new Redis({
      ...redisOptions(opts.redisUrl, opts.commandTimeoutMs),
      db: opts.database,
      connectionName: `faktory-ha:${opts.id}`,
    });
    redis.defineCommand("haAcquire", { numberOfKeys: 3, lua: ACQUIRE_LUA });
    redis.defineCommand("haRenew", { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand("haRelease", { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand("haPoll", { numberOfKeys: 3, lua: POLL_LUA });
    // Errors surface through the failed commands and /status; without a listener ioredis would print them.
    redis.on("error", (e: Error) => (this.connectionError = redact(e.message)));
    redis.on("ready", () => (this.connectionError = null));
    // A connection dropped because it reached a demoted node: the subscriber sits there too.
    redis.on("reconnecting", () => this.subscriber?.disconnect(true));
    this.redis = redis as LeaseRedis;
  }

  async connect(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
  }

  async acquire(floorEpoch: number): Promise<Acquired | null> {
    const { id, addr, webAddr, ttlMs, fenceMs, overrunMs } = this.opts;
    const r = await this.call(() =>
      this.redis.haAcquire(
        this.keys.leader,
        this.keys.epoch,
        this.keys.history,
        id,
        addr,
        webAddr,
        ttlMs,
        Date.now(),
        floorEpoch,
        fenceMs,
        overrunMs,
        PROTOCOL_VERSION,
        this.opts.peerAddr ?? "",
        this.opts.podUid ?? "",
        this.opts.healthAddr ?? "",
      ),
    );
    if (!r) return null;
    const lease = this.remember(r[0]);
    if (!lease) throw new Error(`acquire stored an unreadable lease value ${JSON.stringify(r[0])}`);
    return { lease, counter: Number(r[1]), historyAgeMs: Number(r[2]) };
  }

  async renew(value: LeaseValue): Promise<boolean> {
    return (
      (await this.call(() => this.redis.haRenew(this.keys.leader, this.rawOf(value), this.opts.ttlMs))) === 1
    );
  }

  async release(value: LeaseValue): Promise<boolean> {
    return (await this.call(() => this.redis.haRelease(this.keys.leader, this.rawOf(value)))) === 1;
  }

  async read(): Promise<Observed | ForeignLease | null> {
    const { id, addr, ttlMs, keyPrefix } = this.opts;
    const member = JSON.stringify({
      id,
      addr,
      at: Date.now(),
      revision: this.opts.revision ?? "",
      v: PROTOCOL_VERSION,
    });
    const r = await this.call(() =>
      this.redis.haPoll(
        this.keys.leader,
        memberKey(keyPrefix, id),
        this.keys.history,
        member,
        ttlMs * 3,
        ttlMs,
      ),
    );
    if (!r) return null;
    const lease = this.remember(r[0]);
    if (lease) return { lease, pttlMs: Number(r[1]) };
    const foreign = foreignValue("lease", r[0]);
    if (!foreign) return null; // malformed: no holder we could wait for, as before
    this.opts.onForeign?.(foreign);
    return { foreign, pttlMs: Number(r[1]) };
  }

  async members(): Promise<readonly Member[]> {
    // SCAN, not KEYS: the Redis is Faktory's too. Presence keys expire 3 ttl after a supervisor's last poll.
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.call(() =>
        this.redis.scan(cursor, "MATCH", memberKey(this.opts.keyPrefix, "*"), "COUNT", 100),
      );
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0" && keys.length < MAX_MEMBERS);
    if (keys.length === 0) return [];
    const values = await this.call(() => this.redis.mget(...keys));
    return values.flatMap((raw) => {
      const m = parseMember(raw);
      if (m) return [m];
      const foreign = raw === null ? null : foreignValue("member", raw);
      if (foreign) this.opts.onForeign?.(foreign);
      return [];
    });
  }

  /**
   * Closes, on the server, every connection from one of `hosts` that carries no name. A Faktory cut off
   * from Redis leaves the commands it sent (a FETCH's BRPOP) in its sockets' retransmit queues, and the
   * kernel keeps sending them after the process is gone; when the cut heals Redis would run them behind
   * the new primary's back (a popped job goes to a dead socket: lost). Closed here, they meet a reset.
   * Faktory names none of its connections, while every connection of faktory-ha is named (the lease's
   * `faktory-ha:<id>`, its subscriber, test harnesses): named ones are spared and reported. Replicas and
   * subscribers (not TYPE normal) are never touched.
   */
  async fenceClients(hosts: readonly string[]): Promise<FencedClients> {
    const wanted = new Set(hosts.map(normalizeHost));
    if (wanted.size === 0) return { closed: 0, spared: [] };
    const list = String(await this.call(() => this.redis.call("CLIENT", "LIST", "TYPE", "normal")));
    const victims: string[] = [];
    const spared: string[] = [];
    for (const c of parseClientList(list)) {
      if (!wanted.has(normalizeHost(hostOfClientAddr(c.addr)))) continue;
      if (c.name) spared.push(c.name);
      else victims.push(c.id);
    }
    const killed = await Promise.all(
      // By id: an address can be reused by a new connection between LIST and KILL; an id cannot.
      victims.map((id) => this.call(() => this.redis.call("CLIENT", "KILL", "ID", id)).then(Number, () => 0)),
    );
    return { closed: killed.reduce((a, b) => a + b, 0), spared };
  }

  async announce(event: LeaseEvent): Promise<void> {
    await this.call(() =>
      this.redis.publish(this.keys.channel, JSON.stringify({ ...event, v: PROTOCOL_VERSION })),
    );
  }

  /** Lease events from every supervisor (ours included), without waiting for a poll. */
  subscribe(onEvent: (event: LeaseEvent) => void): void {
    const sub = this.redis.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
      connectionName: `faktory-ha:${this.opts.id}:sub`,
      autoResubscribe: false,
    });
    sub.on("error", () => undefined);
    sub.on("message", (_channel: string, message: string) => {
      const event = parseEvent(message);
      if (event) return onEvent(event);
      const foreign = foreignValue("announcement", message);
      if (foreign) this.opts.onForeign?.(foreign);
    });
    // A reconnect can land on the old primary in the moment between its demotion and the endpoint's
    // switch, and a subscribed connection can no longer ask: check the role first, retry until primary.
    sub.on("ready", () => {
      void (async () => {
        const role = (await sub.role()) as unknown[];
        if (role[0] !== "master") {
          setTimeout(() => sub.disconnect(true), 200);
          return;
        }
        await sub.subscribe(this.keys.channel);
      })().catch(() => undefined);
    });
    void sub.connect().catch(() => undefined);
    this.subscriber = sub;
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Runs a command; a failure caused by the connection is reported with the connection's own error. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (
        this.connectionError &&
        /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(msg)
      ) {
        throw new Error(this.connectionError);
      }
      throw e instanceof Error ? e : new Error(msg);
    }
  }

  private remember(raw: string | null): LeaseValue | null {
    const v = parseLeaseValue(raw);
    if (v && raw !== null) {
      const key = `${v.id}#${v.epoch}`;
      this.raw.delete(key);
      this.raw.set(key, raw);
      // Forget the oldest terms. A primary reads nothing, so its own term is never pushed out.
      for (const old of this.raw.keys()) {
        if (this.raw.size <= 32) break;
        this.raw.delete(old);
      }
    }
    return v;
  }

  private rawOf(value: LeaseValue): string {
    const raw = this.raw.get(`${value.id}#${value.epoch}`);
    if (raw === undefined) throw new Error(`no stored value for lease ${value.id}#${value.epoch}`);
    return raw;
  }
}

interface ClientEntry {
  readonly id: string;
  readonly addr: string;
  readonly name: string;
}

/** CLIENT LIST's lines (`id=5 addr=10.0.0.7:46068 laddr=… name= …`); a name never holds a space. */
export function parseClientList(text: string): ClientEntry[] {
  return text.split("\n").flatMap((line) => {
    const f = new Map<string, string>();
    for (const part of line.trim().split(" ")) {
      const eq = part.indexOf("=");
      if (eq > 0) f.set(part.slice(0, eq), part.slice(eq + 1));
    }
    const id = f.get("id");
    const addr = f.get("addr");
    return id && addr ? [{ id, addr, name: f.get("name") ?? "" }] : [];
  });
}

/** `10.0.0.7:46068` → `10.0.0.7`; Redis writes IPv6 as `[fd00::1]:46068` (older versions without brackets). */
function hostOfClientAddr(addr: string): string {
  const colon = addr.lastIndexOf(":");
  return colon > 0 ? addr.slice(0, colon) : addr;
}

/** One spelling per address: no brackets, lower case, IPv4-mapped IPv6 as IPv4. */
function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
}

/** More presence keys than any deployment has pods: a bound on the scan, not a limit on pods. */
const MAX_MEMBERS = 1000;

function parseMember(raw: string | null): Member | null {
  if (raw === null) return null;
  try {
    const m = JSON.parse(raw) as Record<string, unknown>;
    if (typeof m.id !== "string" || !isCompatible(protocolOf(m))) return null;
    return { id: m.id, revision: typeof m.revision === "string" ? m.revision : "" };
  } catch {
    return null;
  }
}

function parseEvent(message: string): LeaseEvent | null {
  try {
    const e = JSON.parse(message) as Record<string, unknown>;
    if (
      isCompatible(protocolOf(e)) &&
      (e.kind === "started" || e.kind === "stopped" || e.kind === "draining") &&
      typeof e.id === "string" &&
      typeof e.epoch === "number"
    ) {
      if (e.kind === "stopped" && typeof e.successor === "string") {
        return { kind: e.kind, id: e.id, epoch: e.epoch, successor: e.successor };
      }
      return { kind: e.kind, id: e.id, epoch: e.epoch };
    }
  } catch {
    // not ours
  }
  return null;
}
