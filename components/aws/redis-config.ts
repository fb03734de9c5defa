/** Pure rules for the Redis component: engines, parameter group families, AUTH token, URL. */
import type { RedisEngine } from "./defaults";

export type { RedisEngine } from "./defaults";

/** Major versions this project supports per engine (Faktory needs Redis ≥ 7 semantics). */
export const SUPPORTED_MAJORS: Readonly<Record<RedisEngine, readonly number[]>> = {
  redis: [7],
  valkey: [7, 8],
};

export const DEFAULT_ENGINE_VERSION: Readonly<Record<RedisEngine, string>> = {
  redis: "7.1",
  valkey: "8.0",
};

/**
 * The ElastiCache parameter group family for an engine version, e.g. ("redis", "7.1") -> "redis7",
 * ("valkey", "8.0") -> "valkey8". Undefined when the version is malformed or unsupported.
 */
export function parameterGroupFamily(engine: RedisEngine, engineVersion: string): string | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(engineVersion);
  if (!m) return undefined;
  const major = Number(m[1]);
  return SUPPORTED_MAJORS[engine].includes(major) ? `${engine}${major}` : undefined;
}

/**
 * ElastiCache AUTH tokens: 16-128 printable ASCII characters, none of `@`, `"`, `/` or space. The
 * special characters below are a subset of what is allowed; several of them (`%`, `#`, `&`, `?`, `:`)
 * are significant in a URL, which is why the URL builder encodes the token.
 */
export const AUTH_TOKEN_SPECIALS = "!#$%&*()-_=+[]{}<>:?";
export const AUTH_TOKEN_LENGTH = { min: 16, max: 128 } as const;
const FORBIDDEN_IN_TOKEN = /[@"/\s]/;

/** Whether `token` satisfies ElastiCache's AUTH token rules. */
export function isValidAuthToken(token: string): boolean {
  return (
    token.length >= AUTH_TOKEN_LENGTH.min &&
    token.length <= AUTH_TOKEN_LENGTH.max &&
    /^[\x21-\x7e]+$/.test(token) &&
    !FORBIDDEN_IN_TOKEN.test(token)
  );
}

/**
 * Percent-encodes a URL userinfo component strictly (RFC 3986 unreserved characters only), so the
 * token survives any URL parser, including Go's `net/url` that Faktory uses.
 */
export function encodeUserinfo(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `rediss://:<token>@<host>:<port>`: TLS (in-transit encryption is always on) and AUTH with no user. */
export function redisUrl(host: string, port: number, token: string): string {
  return `rediss://:${encodeUserinfo(token)}@${host}:${port}`;
}

/**
 * Preferred AZ per node, round-robin over `zones` (primary first), so two nodes never share an AZ
 * while there are AZs left. Undefined when no zones are given (ElastiCache then picks).
 */
export function spreadOverZones(zones: readonly string[] | undefined, nodes: number): string[] | undefined {
  const distinct = [...new Set(zones ?? [])];
  if (distinct.length === 0) return undefined;
  return [...Array(nodes).keys()].map((i) => distinct[i % distinct.length]);
}

/**
 * The cache cluster id of node `index` of a replication group (cluster mode disabled): the provider's
 * `memberClusters`, sorted (ElastiCache names them `<group id>-001`, `-002`, …). While the list is
 * shorter than the node count (nodes being added), the name ElastiCache will give the node.
 */
export function memberClusterId(
  groupId: string,
  memberClusters: readonly string[] | undefined,
  index: number,
) {
  const sorted = [...(memberClusters ?? [])].sort();
  return sorted[index] ?? `${groupId}-${String(index + 1).padStart(3, "0")}`;
}
