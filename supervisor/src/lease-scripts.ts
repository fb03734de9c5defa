/**
 * The leader lease, as Redis Lua scripts. Every write is compare-then-act inside one script, so a
 * supervisor can never extend or delete a lease that another one acquired after its own expired.
 *
 * Keys: `<prefix>:leader` (the lease), `<prefix>:epoch` (a counter), `<prefix>:member:<id>` (presence),
 * `<prefix>:history` (the Redis replication history the keys were last seen on, and since when).
 */

import { isCompatible, protocolOf } from "./protocol-version";
import type { Term } from "./term";

/**
 * How long the keys have been on the replication history Redis reports now (ms, by Redis's clock): 0 when
 * it changed since a supervisor last looked. A promoted replica starts a new history (a new replication
 * id), and so does a restarted or restored Redis; on a new history the epoch counter and the lease may be
 * older than what supervisors acted on (the failover lost the newest writes), so they are trusted again only
 * once every holder that wrote on the old history is surely fenced: a ttl later.
 */
const HISTORY_AGE_LUA = `
local function history_age(key)
  local id = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)') or '?'
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local seen = redis.call('GET', key)
  if seen then
    local sep = string.find(seen, ' ', 1, true)
    local since = sep and tonumber(string.sub(seen, sep + 1))
    if since and string.sub(seen, 1, sep - 1) == id then return now - since end
  end
  redis.call('SET', key, id .. ' ' .. now)
  return 0
end
`;

/**
 * Acquire: only when no lease exists. The epoch comes from INCR, raised to the caller's floor (the
 * highest epoch it has seen) when Redis lost the counter, so epochs stay monotonic across key loss.
 * KEYS: leader, epoch, history. ARGV: holder id, job address, web address, ttl ms, acquired-at (ms,
 * holder's clock, informative), floor epoch, fence ms (how long after its last good renew the holder's
 * Faktory is surely stopped), overrun ms (how long after its lease would have expired it may still run,
 * see LeaseValue.overrun), protocol version, peer TLS address, pod UID, health address (each "" when there is none: the
 * field is left out, so a lease without them is byte for byte what it was). Returns {value, counter, history
 * age ms}: counter is INCR's raw result, which
 * tells the caller whether anyone acquired since the highest term it knows — on a history at least a ttl
 * old. Returns false when someone holds the lease.
 */
export const ACQUIRE_LUA = `${HISTORY_AGE_LUA}
local age = history_age(KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local counter = redis.call('INCR', KEYS[2])
local epoch = counter
local floor = tonumber(ARGV[6])
if epoch <= floor then
  epoch = floor + 1
  redis.call('SET', KEYS[2], epoch)
end
local lease = {epoch = epoch, id = ARGV[1], addr = ARGV[2], web = ARGV[3], since = tonumber(ARGV[5]), fence = tonumber(ARGV[7]), overrun = tonumber(ARGV[8]), v = tonumber(ARGV[9])}
if ARGV[10] and ARGV[10] ~= '' then lease.peer = ARGV[10] end
if ARGV[11] and ARGV[11] ~= '' then lease.uid = ARGV[11] end
if ARGV[12] and ARGV[12] ~= '' then lease.health = ARGV[12] end
local value = cjson.encode(lease)
if redis.call('SET', KEYS[1], value, 'NX', 'PX', tonumber(ARGV[4])) then return {value, counter, age} end
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

/**
 * A standby's poll. It writes its presence key first: on a node that was demoted to a read-only
 * replica (an ElastiCache failover) the script then fails with READONLY, which makes the supervisor
 * reconnect to the current primary instead of reading a replica's copy forever. A lease without an
 * expiry (restored by hand, say) would block every takeover, so it gets the ttl.
 * Polls also notice a new replication history first (see HISTORY_AGE_LUA), so a failover is dated by
 * the first poll on the new primary rather than by the next acquire.
 * KEYS: leader, member, history. ARGV: member value, member ttl ms, lease ttl ms.
 * Returns false when there is no lease, else {value, remaining ttl ms}.
 */
export const POLL_LUA = `${HISTORY_AGE_LUA}
redis.call('SET', KEYS[2], ARGV[1], 'PX', tonumber(ARGV[2]))
history_age(KEYS[3])
local value = redis.call('GET', KEYS[1])
if not value then return false end
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  pttl = tonumber(ARGV[3])
end
return {value, pttl}
`;

/** The decoded lease value: the holder's term (id, epoch) and what others need to know of it. */
export interface LeaseValue extends Term {
  /** host:port of the holder's internal Faktory job port. */
  readonly addr: string;
  /** host:port of the holder's internal Faktory web port. */
  readonly web: string;
  /**
   * host:port of the holder's peer TLS port (peer-server.ts), when it runs with TLS on: routers on other
   * pods with TLS on dial it instead of addr and web (ALPN picks which). An optional field that releases
   * before it ignore, so the protocol version stays.
   */
  readonly peer?: string;
  /** When the holder acquired it, by the holder's clock (ms since epoch). */
  readonly since: number;
  /**
   * The holder's renewDeadline + stopTimeout: its Faktory is stopped this long after its last good
   * renew. Absent in values written by older supervisors.
   */
  readonly fence?: number;
  /**
   * How long after the expiry a reader computed from this lease the holder's Faktory may still run:
   * renewDeadline + fence - ttl, when positive. The holder may renew once more right after a reader
   * looked (that reader then underestimates the expiry), but only before its own deadline.
   */
  readonly overrun?: number;
  /**
   * The holder's pod UID. A supervisor of the same pod and UID that finds this term without having held
   * it is a restarted container: the holder's container, and its Faktory with it, has exited. Absent
   * when unknown (outside Kubernetes) and in values written by older supervisors.
   */
  readonly uid?: string;
  /**
   * host:port of the holder's health server: a standby asked for the scaler's figures (scaler.ts) forwards
   * the question there. Absent in values written by older supervisors (a standby then answers "unknown").
   */
  readonly health?: string;
}

export function leaseKeys(prefix: string): {
  leader: string;
  epoch: string;
  history: string;
  channel: string;
} {
  return {
    leader: `${prefix}:leader`,
    epoch: `${prefix}:epoch`,
    history: `${prefix}:history`,
    channel: `${prefix}:events`,
  };
}

export function memberKey(prefix: string, id: string): string {
  return `${prefix}:member:${id}`;
}

/**
 * Parses a stored lease value; anything malformed, or of a protocol version this release does not read,
 * is treated as "unknown holder" (null).
 */
export function parseLeaseValue(raw: string | null | undefined): LeaseValue | null {
  if (raw == null) return null;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (
      isCompatible(protocolOf(v)) &&
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
        ...(typeof v.fence === "number" && v.fence > 0 ? { fence: v.fence } : {}),
        ...(typeof v.overrun === "number" && v.overrun >= 0 ? { overrun: v.overrun } : {}),
        ...(typeof v.peer === "string" && v.peer !== "" ? { peer: v.peer } : {}),
        ...(typeof v.uid === "string" && v.uid !== "" ? { uid: v.uid } : {}),
        ...(typeof v.health === "string" && v.health !== "" ? { health: v.health } : {}),
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
