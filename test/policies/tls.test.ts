import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../policies/offline";
import { enforcementFor } from "../../policies/environment";
import { tlsRequired } from "../../policies/tls";
import { faktoryStatefulSet, planned, supervisedContainer } from "../fixtures/policies/resources";
import { resourceMessages } from "./support";

const statefulSet = 'Kubernetes StatefulSet "faktory"';
const WHY =
  'it must be "required" so jobs, the Faktory password and the web UI never cross the network in plain text ' +
  '(the Faktory component\'s tls: { mode: "required", secretName or certManager }).';

/** The compliant StatefulSet with its supervised container's FAKTORY_HA_TLS_MODE entry replaced (or removed). */
function withMode(entry: Record<string, unknown> | undefined): PlannedResource {
  const container = supervisedContainer();
  const env = (container.env as Record<string, unknown>[]).filter((e) => e.name !== "FAKTORY_HA_TLS_MODE");
  container.env = entry === undefined ? env : [...env, { name: "FAKTORY_HA_TLS_MODE", ...entry }];
  const workload = faktoryStatefulSet();
  const template = (workload.props.spec as { template: { spec: Record<string, unknown> } }).template;
  template.spec.containers = [container];
  return workload;
}

describe("faktory-tls-required", () => {
  it("accepts the supervised workload with TLS required, and a mode it cannot read (from a Secret)", () => {
    expect(resourceMessages(tlsRequired, faktoryStatefulSet())).toEqual([]);
    expect(
      resourceMessages(
        tlsRequired,
        withMode({ valueFrom: { configMapKeyRef: { name: "faktory-settings", key: "tls" } } }),
      ),
    ).toEqual([]);
  });

  it("reports a supervisor without TLS", () => {
    expect(resourceMessages(tlsRequired, withMode(undefined))).toEqual([
      `${statefulSet}: container "faktory" runs faktory-ha-supervisor with FAKTORY_HA_TLS_MODE not set (TLS off); ${WHY}`,
    ]);
  });

  it.each(["off", "optional"])("reports a supervisor with TLS %s (the plain ports open)", (mode) => {
    expect(resourceMessages(tlsRequired, withMode({ value: mode }))).toEqual([
      `${statefulSet}: container "faktory" runs faktory-ha-supervisor with FAKTORY_HA_TLS_MODE "${mode}"; ${WHY}`,
    ]);
  });

  it("reports a Faktory server without the supervisor: it cannot serve TLS", () => {
    const oss = planned("kubernetes:apps/v1:StatefulSet", "faktory-oss", {
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: "faktory", image: "contribsys/faktory:1.9.4", env: [] }] } },
      },
    });
    expect(resourceMessages(tlsRequired, oss)).toEqual([
      'Kubernetes StatefulSet "faktory-oss": container "faktory" runs the Faktory server without faktory-ha-supervisor, ' +
        "and Faktory has no TLS of its own: jobs and the Faktory password cross the network in plain text; run it " +
        'under the supervisor with FAKTORY_HA_TLS_MODE "required" (the Faktory component\'s enterprise edition with tls).',
    ]);
  });

  it("ignores workers and other workloads", () => {
    const worker = planned("kubernetes:apps/v1:Deployment", "worker", {
      spec: {
        replicas: 4,
        template: {
          spec: {
            containers: [
              {
                name: "worker",
                image: "acme/faktory-worker-app:2.1",
                env: [{ name: "FAKTORY_URL", value: "x" }],
              },
            ],
          },
        },
      },
    });
    expect(resourceMessages(tlsRequired, worker)).toEqual([]);
    expect(resourceMessages(tlsRequired, planned("kubernetes:core/v1:Service", "faktory", {}))).toEqual([]);
  });

  it("is mandatory in prod and advisory in dev", () => {
    expect(enforcementFor(tlsRequired, "prod")).toBe("mandatory");
    expect(enforcementFor(tlsRequired, "dev")).toBe("advisory");
  });
});
