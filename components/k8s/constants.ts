/** Ports of the supervisor contract (issue 3). Public ports are served by every pod's router. */
export const PORTS = {
  faktory: 7419,
  web: 7420,
  health: 7421,
  internal: 17419,
  internalWeb: 17420,
} as const;

/** Where Faktory reads extra config; the supervisor watches it and sends SIGHUP on change. */
export const CONFIG_DIR = "/etc/faktory/conf.d";
/** Where the OSS server keeps its embedded Redis (the Faktory image's storage directory). */
export const OSS_DATA_DIR = "/var/lib/faktory";
/** The container name; tests and the offline plan look it up by this. */
export const CONTAINER_NAME = "faktory";

/** Keys of the generated Secret; pods read them through `secretKeyRef`, never as literals. */
export const SECRET_KEYS = {
  redisUrl: "REDIS_URL",
  password: "FAKTORY_PASSWORD",
  license: "FAKTORY_LICENSE",
} as const;
