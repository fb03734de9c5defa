import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SUPERVISOR_TLS, supervisorTlsEnv } from "../../../components/contract/supervisor";
import { ConfigError, parseConfig } from "../../../supervisor/src/config";

const base = { REDIS_URL: "redis://redis:6379" };
const cmd = ["--", "faktory", "-b", ":17419"];
const opts = { hostname: () => "faktory-0", advertiseHost: () => "10.0.0.7" };

function tlsOf(env: Record<string, string>) {
  return parseConfig({ ...base, ...env }, cmd, opts).tls;
}

function errorOf(env: Record<string, string>): string {
  try {
    parseConfig({ ...base, ...env }, cmd, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("TLS settings", () => {
  it("is off by default, with nothing else to say", () => {
    expect(tlsOf({})).toEqual({ mode: "off" });
    expect(tlsOf({ FAKTORY_HA_TLS_MODE: "off" })).toEqual({ mode: "off" });
  });

  it("applies the contract's defaults when switched on", () => {
    expect(tlsOf({ FAKTORY_HA_TLS_MODE: "optional" })).toEqual({
      mode: "optional",
      dir: "/etc/faktory-ha/tls",
      port: 7429,
      webPort: 7430,
      peerPort: 17429,
    });
    expect(SUPERVISOR_TLS.port.default).toBe(7429);
  });

  it("reads every variable", () => {
    expect(
      tlsOf({
        FAKTORY_HA_TLS_MODE: "required",
        FAKTORY_HA_TLS_DIR: "/secrets/tls",
        FAKTORY_HA_TLS_PORT: "7439",
        FAKTORY_HA_TLS_WEB_PORT: "7440",
        FAKTORY_HA_PEER_TLS_PORT: "17439",
      }),
    ).toEqual({ mode: "required", dir: "/secrets/tls", port: 7439, webPort: 7440, peerPort: 17439 });
  });

  it("lets required mode take the closed plain ports' numbers (clients keep host:7419, as tcp+tls://)", () => {
    expect(
      tlsOf({
        FAKTORY_HA_TLS_MODE: "required",
        FAKTORY_HA_TLS_PORT: "7419",
        FAKTORY_HA_TLS_WEB_PORT: "7420",
      }),
    ).toMatchObject({ mode: "required", port: 7419, webPort: 7420 });
  });

  it.each([
    [
      "an unknown mode",
      { FAKTORY_HA_TLS_MODE: "on" },
      'FAKTORY_HA_TLS_MODE="on" is invalid: allowed off, optional, required',
    ],
    [
      "a mode in capitals",
      { FAKTORY_HA_TLS_MODE: "Required" },
      'FAKTORY_HA_TLS_MODE="Required" is invalid: allowed off, optional, required',
    ],
    [
      "a relative directory",
      { FAKTORY_HA_TLS_MODE: "required", FAKTORY_HA_TLS_DIR: "tls" },
      'FAKTORY_HA_TLS_DIR="tls" is not an absolute path: allowed the directory a TLS Secret is mounted at, e.g. /etc/faktory-ha/tls',
    ],
    [
      "a port that is not a number",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_PORT: "tls" },
      'FAKTORY_HA_TLS_PORT="tls" is not a whole number (a TCP port)',
    ],
    [
      "a web port out of range",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_WEB_PORT: "65536" },
      "FAKTORY_HA_TLS_WEB_PORT=65536 is out of range: a TCP port is 1..65535",
    ],
    [
      "a peer port of 0",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_PEER_TLS_PORT: "0" },
      "FAKTORY_HA_PEER_TLS_PORT=0 is out of range: a TCP port is 1..65535",
    ],
    [
      "a malformed port even with TLS off (a typo should not wait for the day TLS is switched on)",
      { FAKTORY_HA_PEER_TLS_PORT: "17429x" },
      'FAKTORY_HA_PEER_TLS_PORT="17429x" is not a whole number (a TCP port)',
    ],
    [
      "the plain job port in optional mode",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_PORT: "7419" },
      "FAKTORY_HA_TLS_PORT=7419 is the same port as FAKTORY_HA_PORT: each open port must differ",
    ],
    [
      "the plain web port in optional mode",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_WEB_PORT: "7420" },
      "FAKTORY_HA_TLS_WEB_PORT=7420 is the same port as FAKTORY_HA_WEB_PORT: each open port must differ",
    ],
    [
      "the health port in required mode",
      { FAKTORY_HA_TLS_MODE: "required", FAKTORY_HA_TLS_PORT: "7421" },
      "FAKTORY_HA_TLS_PORT=7421 is the same port as FAKTORY_HA_HEALTH_PORT: each open port must differ (in required mode only the plain job and web ports may be reused)",
    ],
    [
      "the internal Faktory port as the peer port",
      { FAKTORY_HA_TLS_MODE: "required", FAKTORY_HA_PEER_TLS_PORT: "17419" },
      "FAKTORY_HA_PEER_TLS_PORT=17419 is the same port as FAKTORY_HA_INTERNAL_PORT: each open port must differ (in required mode only the plain job and web ports may be reused)",
    ],
    [
      "the internal web port as the TLS web port",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_WEB_PORT: "17420" },
      "FAKTORY_HA_TLS_WEB_PORT=17420 is the same port as FAKTORY_HA_INTERNAL_WEB_PORT: each open port must differ",
    ],
    [
      "two TLS ports the same",
      { FAKTORY_HA_TLS_MODE: "optional", FAKTORY_HA_TLS_PORT: "9000", FAKTORY_HA_PEER_TLS_PORT: "9000" },
      "FAKTORY_HA_PEER_TLS_PORT=9000 is the same port as FAKTORY_HA_TLS_PORT: each open port must differ",
    ],
    [
      "a misspelt variable",
      { FAKTORY_HA_TLS_MOD: "required" },
      'FAKTORY_HA_TLS_MOD="required" is not a faktory-ha variable: did you mean FAKTORY_HA_TLS_MODE?',
    ],
  ])("rejects %s, naming the variable, the value and what is allowed", (_name, env, message) => {
    expect(errorOf(env)).toBe(message);
  });

  it("round-trips: what the contract writes for TLS, the supervisor reads back unchanged", () => {
    // Ports clear of the defaults of the plain, health and internal ports.
    const port = fc.integer({ min: 20_000, max: 65_535 });
    fc.assert(
      fc.property(
        fc.constantFrom("optional" as const, "required" as const),
        fc.uniqueArray(port, { minLength: 3, maxLength: 3 }),
        fc.stringMatching(/^\/[a-z0-9/-]{1,40}$/),
        (mode, [p, w, peer], dir) => {
          const settings = { mode, dir, port: p, webPort: w, peerPort: peer };
          expect(tlsOf(supervisorTlsEnv(settings))).toEqual(settings);
        },
      ),
      { numRuns: 200 },
    );
    expect(supervisorTlsEnv({ mode: "off" })).toEqual({});
  });

  it("ignores the TLS ports' clashes while TLS is off (they are not opened)", () => {
    expect(tlsOf({ FAKTORY_HA_TLS_PORT: "7419" })).toEqual({ mode: "off" });
  });
});
