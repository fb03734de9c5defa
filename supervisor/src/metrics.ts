import type { RouterStats } from "./router";

export interface MetricsInput {
  readonly role: "primary" | "secondary";
  readonly epoch: number | null;
  readonly failovers: number;
  readonly faktoryRestarts: number;
  readonly redisUp: boolean;
  readonly renewLatencyMs: readonly number[];
  readonly routers: Readonly<Record<string, RouterStats>>;
}

/** Renders the Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(m: MetricsInput): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) out.push(`${name}${labels} ${v}`);
  };
  metric("faktory_ha_role", "gauge", "1 for the role this supervisor has now.", [
    ['{role="primary"}', m.role === "primary" ? 1 : 0],
    ['{role="secondary"}', m.role === "secondary" ? 1 : 0],
  ]);
  metric("faktory_ha_epoch", "gauge", "Lease epoch of the known primary (-1 when none).", [
    ["", m.epoch ?? -1],
  ]);
  metric("faktory_ha_failovers_total", "counter", "Times this supervisor became primary.", [
    ["", m.failovers],
  ]);
  metric("faktory_ha_faktory_restarts_total", "counter", "Faktory restarts while primary.", [
    ["", m.faktoryRestarts],
  ]);
  metric("faktory_ha_redis_up", "gauge", "1 when the last Redis call succeeded.", [["", m.redisUp ? 1 : 0]]);
  const routers = Object.entries(m.routers);
  metric(
    "faktory_ha_router_connections",
    "gauge",
    "Open client connections on the router.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.active]),
  );
  metric(
    "faktory_ha_router_connections_total",
    "counter",
    "Client connections accepted by the router.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.total]),
  );
  metric(
    "faktory_ha_router_held_connections",
    "gauge",
    "Connections waiting for a primary.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.held]),
  );
  metric(
    "faktory_ha_router_migrated_total",
    "counter",
    "Idle Faktory connections moved to a new primary without closing them.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.migrated]),
  );
  metric(
    "faktory_ha_router_closed_on_change_total",
    "counter",
    "Connections closed because the primary changed.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.closedOnChange]),
  );
  metric(
    "faktory_ha_router_hold_timeouts_total",
    "counter",
    "Connections closed because no primary was reachable within the hold time.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.holdTimeouts]),
  );
  metric(
    "faktory_ha_router_protocol_errors_total",
    "counter",
    "Connections closed because a reply could not be matched to a command.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.protocolErrors]),
  );
  const counters: [keyof RouterStats, string, string][] = [
    [
      "refused",
      "faktory_ha_router_refused_total",
      "Connections closed on arrival: the router had maxConnections open.",
    ],
    [
      "lineTooLong",
      "faktory_ha_router_line_too_long_total",
      "Connections closed for a line longer than the router allows.",
    ],
    [
      "handshakeTimeouts",
      "faktory_ha_router_handshake_timeouts_total",
      "Clients that did not complete their HELLO in time.",
    ],
    [
      "evicted",
      "faktory_ha_router_evicted_total",
      "Connections closed because all together kept too many bytes.",
    ],
  ];
  for (const [key, name, help] of counters) {
    metric(
      name,
      "counter",
      help,
      routers.map(([n, s]) => [`{router="${n}"}`, s[key] as number]),
    );
  }
  metric(
    "faktory_ha_router_held_bytes",
    "gauge",
    "Client bytes the router keeps: unfinished lines, commands held or awaiting their reply.",
    routers.map(([n, s]) => [`{router="${n}"}`, s.heldBytes]),
  );
  const lat = [...m.renewLatencyMs].sort((a, b) => a - b);
  const q = (p: number) =>
    lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] / 1000 : 0;
  out.push(
    "# HELP faktory_ha_lease_renew_seconds Lease renew latency over the last renewals.",
    "# TYPE faktory_ha_lease_renew_seconds summary",
    `faktory_ha_lease_renew_seconds{quantile="0.5"} ${q(0.5)}`,
    `faktory_ha_lease_renew_seconds{quantile="0.99"} ${q(0.99)}`,
    `faktory_ha_lease_renew_seconds_sum ${lat.reduce((a, b) => a + b, 0) / 1000}`,
    `faktory_ha_lease_renew_seconds_count ${lat.length}`,
  );
  return out.join("\n") + "\n";
}
