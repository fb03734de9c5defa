/**
 * The leader lease, as Redis Lua scripts. Every write is compare-then-act inside one script, so a
 * supervisor can never extend or delete a lease that another one acquired after its own expired.
 *
 * Keys: KEYS[1] = `<prefix>:leader` (the lease), KEYS[2] = `<prefix>:epoch` (a counter, never reset).
 */

/**
 * Acquire: only when no lease exists. The epoch comes from INCR so every term of office has a number
 * larger than all before it; the value carries the epoch, so renew/release compare the exact term.
 * ARGV: holder id, job address, web address, ttl ms, acquired-at (ms, the holder's clock, informative).
 * Returns the stored value, or false when another holder has it.
 */
export const ACQUIRE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local epoch = redis.call('INCR', KEYS[2])
local value = cjson.encode({epoch = epoch, id = ARGV[1], addr = ARGV[2], web = ARGV[3], since = tonumber(ARGV[5])})
if redis.call('SET', KEYS[1], value, 'NX', 'PX', tonumber(ARGV[4])) then return value end
return false
`;

/** Renew: extend only if the lease still holds exactly our value. ARGV: value, ttl ms. Returns 1 or 0. */
export const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0
`;

/** Release: delete only if the lease still holds exactly our value. ARGV: value. Returns 1 or 0. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** The decoded lease value. */
export interface LeaseValue {
  readonly epoch: number;
  readonly id: string;
  /** host:port of the holder's internal Faktory job port. */
  readonly addr: string;
  /** host:port of the holder's internal Faktory web port. */
  readonly web: string;
  /** When the holder acquired it, by the holder's clock (ms since epoch). */
  readonly since: number;
}

export function leaseKeys(prefix: string): { leader: string; epoch: string; channel: string } {
  return { leader: `${prefix}:leader`, epoch: `${prefix}:epoch`, channel: `${prefix}:events` };
}

/** Parses a stored lease value; anything malformed is treated as "unknown holder" (null). */
export function parseLeaseValue(raw: string | null | undefined): LeaseValue | null {
  if (raw == null) return null;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (
      typeof v.epoch === "number" &&
      Number.isInteger(v.epoch) &&
      typeof v.id === "string" &&
      typeof v.addr === "string" &&
      typeof v.web === "string"
    ) {
      return {
        epoch: v.epoch,
        id: v.id,
        addr: v.addr,
        web: v.web,
        since: typeof v.since === "number" ? v.since : 0,
      };
    }
  } catch {
    // fall through
  }
  return null;
}

/** Splits "host:port" (IPv6 in brackets allowed). */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr);
  if (!m) throw new Error(`bad address ${JSON.stringify(addr)}`);
  return { host: m[1], port: Number(m[2]) };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
