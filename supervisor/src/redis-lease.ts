import { Redis, type RedisOptions } from "ioredis";
import type { LeaseStore } from "./elector";
import {
  ACQUIRE_LUA,
  leaseKeys,
  parseLeaseValue,
  RELEASE_LUA,
  RENEW_LUA,
  type LeaseValue,
} from "./lease-scripts";

export interface RedisLeaseOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly id: string;
  readonly addr: string;
  readonly webAddr: string;
  readonly ttlMs: number;
  /** Upper bound for one Redis call, so a hung call cannot outlive the renew deadline. */
  readonly commandTimeoutMs: number;
}

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
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
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
    id: string,
    addr: string,
    web: string,
    ttl: number,
    now: number,
  ): Promise<string | null>;
  haRenew(leader: string, value: string, ttl: number): Promise<number>;
  haRelease(leader: string, value: string): Promise<number>;
};

/** The lease on a real Redis. The stored string is kept verbatim, because renew/release compare it. */
export class RedisLease implements LeaseStore {
  readonly redis: LeaseRedis;
  private readonly keys: ReturnType<typeof leaseKeys>;
  private readonly raw = new Map<number, string>();
  private subscriber: Redis | null = null;

  constructor(private readonly opts: RedisLeaseOptions) {
    this.keys = leaseKeys(opts.keyPrefix);
    const redis = new Redis(redisOptions(opts.redisUrl, opts.commandTimeoutMs));
    redis.defineCommand("haAcquire", { numberOfKeys: 2, lua: ACQUIRE_LUA });
    redis.defineCommand("haRenew", { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand("haRelease", { numberOfKeys: 1, lua: RELEASE_LUA });
    // Errors surface through the failed commands; without a listener ioredis would print them.
    redis.on("error", () => undefined);
    this.redis = redis as LeaseRedis;
  }

  async connect(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
  }

  async acquire(nowMs: number): Promise<LeaseValue | null> {
    const { id, addr, webAddr, ttlMs } = this.opts;
    const raw = await this.redis.haAcquire(
      this.keys.leader,
      this.keys.epoch,
      id,
      addr,
      webAddr,
      ttlMs,
      nowMs,
    );
    return this.remember(raw);
  }

  async renew(value: LeaseValue): Promise<boolean> {
    return (await this.redis.haRenew(this.keys.leader, this.rawOf(value), this.opts.ttlMs)) === 1;
  }

  async release(value: LeaseValue): Promise<boolean> {
    const ok = (await this.redis.haRelease(this.keys.leader, this.rawOf(value))) === 1;
    if (ok)
      await this.redis.publish(this.keys.channel, JSON.stringify({ released: value.epoch })).catch(() => 0);
    return ok;
  }

  async read(): Promise<LeaseValue | null> {
    return this.remember(await this.redis.get(this.keys.leader));
  }

  /** Tells every router that the primary of this epoch is about to stop: hold new commands for the next. */
  async announceDraining(epoch: number): Promise<void> {
    await this.redis.publish(this.keys.channel, JSON.stringify({ draining: epoch }));
  }

  /**
   * Lease events from other supervisors, without waiting for a poll: {released: epoch} when a primary
   * let go, {draining: epoch} just before it stops its Faktory.
   */
  subscribe(onEvent: (event: { released?: number; draining?: number }) => void): void {
    const sub = this.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    sub.on("error", () => undefined);
    sub.on("message", (_channel: string, message: string) => {
      try {
        onEvent(JSON.parse(message) as { released?: number; draining?: number });
      } catch {
        // not ours
      }
    });
    sub.on("ready", () => void sub.subscribe(this.keys.channel).catch(() => undefined));
    void sub.connect().catch(() => undefined);
    this.subscriber = sub;
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private remember(raw: string | null): LeaseValue | null {
    const v = parseLeaseValue(raw);
    if (v && raw !== null) {
      if (this.raw.size > 16) this.raw.clear();
      this.raw.set(v.epoch, raw);
    }
    return v;
  }

  private rawOf(value: LeaseValue): string {
    const raw = this.raw.get(value.epoch);
    if (raw === undefined) throw new Error(`no stored value for lease epoch ${value.epoch}`);
    return raw;
  }
}
