// Which port each audience reaches, by edition and TLS mode: clients (the Services, the NetworkPolicy's
// client rule, the NLB's target groups), the other pods of the workload, and the container's own list.
// With TLS `required` the plain client ports are closed and nothing crosses between pods in plain text.
import { PORTS } from "./constants";
import type { FaktoryEdition } from "./types";

/** The TLS ports in force: none with `off` (the supervisor opens no TLS port, no peer port). */
export type TlsPorts =
  | { readonly mode: "off" }
  | {
      readonly mode: "optional" | "required";
      readonly port: number;
      readonly webPort: number;
      readonly peerPort: number;
    };

export const TLS_OFF: TlsPorts = { mode: "off" };

/** What a client needs to dial a Faktory component: TLS off, or its mode and the TLS job port. */
export type ClientTls =
  { readonly mode: "off" } | { readonly mode: "optional" | "required"; readonly port: number };

export interface NamedPort {
  /** The container port's name, which a Service's targetPort refers to. */
  readonly name: string;
  readonly port: number;
}

/** The ports clients connect to: the plain ones unless TLS is `required`, the TLS ones unless it is off. */
export function clientPorts(webUi: boolean, tls: TlsPorts = TLS_OFF): NamedPort[] {
  const plain: NamedPort[] = [
    { name: "faktory", port: PORTS.faktory },
    ...(webUi ? [{ name: "web", port: PORTS.web }] : []),
  ];
  if (tls.mode === "off") return plain;
  const secure: NamedPort[] = [
    { name: "faktory-tls", port: tls.port },
    ...(webUi ? [{ name: "web-tls", port: tls.webPort }] : []),
  ];
  return tls.mode === "required" ? secure : [...plain, ...secure];
}

/**
 * The ports the workload's other pods reach (enterprise): Faktory's internal ports, which a router without
 * TLS dials, unless `required` (its routers only dial the peer TLS port); the peer TLS port unless off.
 */
export function podToPodPorts(tls: TlsPorts = TLS_OFF): number[] {
  const internal = tls.mode === "required" ? [] : [PORTS.internal, PORTS.internalWeb];
  return tls.mode === "off" ? internal : [...internal, tls.peerPort];
}

/** The container's ports: every port it listens on, by name (the web ports whether or not `webUi`). */
export function containerPorts(
  edition: FaktoryEdition,
  tls: TlsPorts = TLS_OFF,
): { name: string; containerPort: number; protocol: "TCP" }[] {
  const port = ({ name, port: containerPort }: NamedPort) => ({
    name,
    containerPort,
    protocol: "TCP" as const,
  });
  if (edition === "oss") return clientPorts(true).map(port);
  return [
    ...clientPorts(true, tls),
    { name: "health", port: PORTS.health },
    { name: "internal", port: PORTS.internal },
    { name: "internal-web", port: PORTS.internalWeb },
    ...(tls.mode === "off" ? [] : [{ name: "peer-tls", port: tls.peerPort }]),
  ].map(port);
}
