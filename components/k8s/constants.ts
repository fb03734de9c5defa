import { SUPERVISOR_INTS, SUPERVISOR_STRINGS } from "../contract/supervisor";

/** Ports of the supervisor contract. Public ports are served by every pod's router. */
export const PORTS = {
  faktory: SUPERVISOR_INTS.port.default,
  web: SUPERVISOR_INTS.webPort.default,
  health: SUPERVISOR_INTS.healthPort.default,
  internal: SUPERVISOR_INTS.internalPort.default,
  internalWeb: SUPERVISOR_INTS.internalWebPort.default,
} as const;

/** Where Faktory reads extra config; the supervisor watches it and sends SIGHUP on change. */
export const CONFIG_DIR = SUPERVISOR_STRINGS.configDir.default;
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
