// Encryption in transit for the Faktory server: Faktory has no TLS of its own, so its jobs, the password
// clients send in HELLO and the web UI cross the network in plain text unless faktory-ha's supervisor
// serves them over TLS with the plain ports closed (`FAKTORY_HA_TLS_MODE=required`). Mandatory in prod
// (and every environment checked like it); advisory in dev (environment.ts).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, onWorkloads, runsFaktoryServer, runsSupervisor } from "./kubernetes";
import { asString, describe, get, items, UNKNOWN } from "./values";

/** The supervisor's mode variable (components/contract/supervisor.ts, SUPERVISOR_TLS.mode). */
const TLS_MODE = "FAKTORY_HA_TLS_MODE";

/** The mode a container's env sets: its literal value, UNKNOWN when it comes from elsewhere, or undefined. */
function tlsMode(container: unknown): unknown {
  const env = items(get(container, "env")).find((e) => asString(get(e, "name")) === TLS_MODE);
  if (env === undefined) return undefined;
  const value = get(env, "value");
  // From a Secret or a ConfigMap: not known here.
  return value === undefined && get(env, "valueFrom") !== undefined ? UNKNOWN : value;
}

export const tlsRequired: ResourceValidationPolicy = {
  ...onWorkloads(
    "faktory-tls-required",
    `The Faktory server speaks only TLS: it runs under faktory-ha-supervisor with ${TLS_MODE} "required" (advisory outside prod).`,
    (podSpec, _args, label, report) => {
      for (const container of containersOf(podSpec)) {
        const where = `${label}: container "${container.name}"`;
        if (runsSupervisor(container.spec)) {
          const mode = tlsMode(container.spec);
          if (mode === "required" || mode === UNKNOWN) continue;
          report(
            `${where} runs faktory-ha-supervisor with ${TLS_MODE} ${mode === undefined ? "not set (TLS off)" : describe(mode)}; ` +
              `it must be "required" so jobs, the Faktory password and the web UI never cross the network in plain text ` +
              `(the Faktory component's tls: { mode: "required", secretName or certManager }).`,
          );
        } else if (runsFaktoryServer(container.spec)) {
          report(
            `${where} runs the Faktory server without faktory-ha-supervisor, and Faktory has no TLS of its own: ` +
              `jobs and the Faktory password cross the network in plain text; run it under the supervisor with ${TLS_MODE} ` +
              `"required" (the Faktory component's enterprise edition with tls).`,
          );
        }
      }
    },
  ),
  enforcementLevel: "mandatory",
};

export const tlsPolicies: ResourceValidationPolicy[] = [tlsRequired];
