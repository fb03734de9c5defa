import { isAbsolute } from "node:path";
import {
  SUPERVISOR_INTS,
  SUPERVISOR_TLS,
  TLS_MODES,
  type TlsMode,
} from "../../components/contract/supervisor";

/** The routers' TLS as the environment sets it; the files themselves are read by tls-files.ts. */
export type TlsConfig =
  | { readonly mode: "off" }
  | {
      readonly mode: Exclude<TlsMode, "off">;
      /** The mounted Secret's directory (tls.crt, tls.key, optional ca.crt). */
      readonly dir: string;
      /** The TLS job port and web port of the router. */
      readonly port: number;
      readonly webPort: number;
      /** Where this pod serves its own Faktory to the other pods' routers, over TLS. */
      readonly peerPort: number;
    };

/** A TLS variable that is wrong; config.ts reports it as a ConfigError (exit 2). */
export class TlsConfigError extends Error {
  override readonly name = "TlsConfigError";
}

/** The TLS_* variables the supervisor reads, for its list of known variables. */
export const TLS_VARS: readonly string[] = Object.values(SUPERVISOR_TLS).map((v) => v.env);

type TlsPortKey = "port" | "webPort" | "peerPort";

/** The plain ports the supervisor opens whatever the mode (the public ones only outside `required`). */
export interface OpenPorts {
  readonly port: number;
  readonly webPort: number;
  readonly healthPort: number;
  readonly internalPort: number;
  readonly internalWebPort: number;
}

/**
 * Reads FAKTORY_HA_TLS_*. Throws TlsConfigError whose message names the
 * variable, the value received and what is allowed. With TLS off the other variables are still checked
 * for form: a typo should not wait for the day TLS is switched on.
 */
export function parseTlsConfig(env: NodeJS.ProcessEnv, open: OpenPorts): TlsConfig {
  const rawMode = env[SUPERVISOR_TLS.mode.env]?.trim() || SUPERVISOR_TLS.mode.default;
  if (!(TLS_MODES as readonly string[]).includes(rawMode)) {
    throw new TlsConfigError(
      `${SUPERVISOR_TLS.mode.env}=${JSON.stringify(rawMode)} is invalid: allowed ${TLS_MODES.join(", ")}`,
    );
  }
  const mode = rawMode as TlsMode;
  const dir = env[SUPERVISOR_TLS.dir.env]?.trim() || SUPERVISOR_TLS.dir.default;
  if (!isAbsolute(dir)) {
    throw new TlsConfigError(
      `${SUPERVISOR_TLS.dir.env}=${JSON.stringify(dir)} is not an absolute path: allowed the directory a TLS Secret is mounted at, e.g. ${SUPERVISOR_TLS.dir.default}`,
    );
  }
  const ports = {
    port: readPort(env, "port"),
    webPort: readPort(env, "webPort"),
    peerPort: readPort(env, "peerPort"),
  };
  if (mode === "off") return { mode };

  // Every port that is opened must differ; `required` closes the public plain ports, so a TLS port
  // may take their number (clients keep `host:7419`, now as tcp+tls://).
  const taken: [string, number][] = [
    [SUPERVISOR_INTS.healthPort.env, open.healthPort],
    [SUPERVISOR_INTS.internalPort.env, open.internalPort],
    [SUPERVISOR_INTS.internalWebPort.env, open.internalWebPort],
  ];
  if (mode === "optional") {
    taken.unshift([SUPERVISOR_INTS.port.env, open.port], [SUPERVISOR_INTS.webPort.env, open.webPort]);
  }
  for (const key of ["port", "webPort", "peerPort"] as const) {
    const name = SUPERVISOR_TLS[key].env;
    const clash = taken.find(([, p]) => p === ports[key]);
    if (clash) {
      const why =
        mode === "optional" ? "" : " (in required mode only the plain job and web ports may be reused)";
      throw new TlsConfigError(
        `${name}=${ports[key]} is the same port as ${clash[0]}: each open port must differ${why}`,
      );
    }
    taken.push([name, ports[key]]);
  }
  return { mode, dir, ...ports };
}

function readPort(env: NodeJS.ProcessEnv, key: TlsPortKey): number {
  const spec = SUPERVISOR_TLS[key];
  const raw = env[spec.env]?.trim();
  if (raw === undefined || raw === "") return spec.default;
  if (!/^\d+$/.test(raw))
    throw new TlsConfigError(`${spec.env}=${JSON.stringify(raw)} is not a whole number (a TCP port)`);
  const n = Number(raw);
  if (n < spec.min || n > spec.max) {
    throw new TlsConfigError(`${spec.env}=${raw} is out of range: a TCP port is ${spec.min}..${spec.max}`);
  }
  return n;
}
