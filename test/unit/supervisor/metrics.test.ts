import { describe, expect, it } from "vitest";
import type { Role } from "../../../supervisor/src/elector";
import { faktoryFigures } from "../../../supervisor/src/faktory-info";
import { SupervisorMetrics, type LeaseFigures, type MetricsInput } from "../../../supervisor/src/metrics";
import type { RouterStats } from "../../../supervisor/src/router";

const stats: RouterStats = {
  commandsByEpoch: {},
  active: 3,
  total: 10,
  held: 1,
  migrated: 2,
  closedOnChange: 4,
  holdTimeouts: 9,
  protocolErrors: 11,
  refused: 4,
  lineTooLong: 5,
  handshakeTimeouts: 6,
  evicted: 7,
  heldBytes: 8,
  bytesIn: 12,
  bytesOut: 13,
};
const lease: LeaseFigures = {
  role: "primary",
  epoch: 7,
  failovers: 2,
  faktoryUnexpectedExits: 1,
  redisUp: true,
  renewals: 4,
  renewLatencyMs: [1, 2, 3, 100],
};
const figures = faktoryFigures(
  {
    faktory: {
      queues: { default: 5, critical: 2 },
      sets: { working: 1, scheduled: 2, retries: 3, dead: 4 },
      total_processed: 100,
      total_failures: 3,
      total_enqueued: 7,
      total_queues: 2,
    },
    server: { connections: 6 },
  },
  { default: 12.5, critical: 0 },
);

function input(over: Partial<MetricsInput> = {}): MetricsInput {
  return { lease, routers: { faktory: stats, web: { ...stats, active: 0 } }, faktory: null, ...over };
}

/** Sample lines only, as "name{labels} value". */
function samples(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

describe("SupervisorMetrics", () => {
  it.each<[Role, string[]]>([
    [
      "primary",
      [
        'faktory_ha_role{role="primary"} 1',
        'faktory_ha_role{role="pending"} 0',
        'faktory_ha_role{role="secondary"} 0',
        "faktory_ha_is_primary 1",
      ],
    ],
    [
      "pending",
      [
        'faktory_ha_role{role="primary"} 0',
        'faktory_ha_role{role="pending"} 1',
        'faktory_ha_role{role="secondary"} 0',
        "faktory_ha_is_primary 0",
      ],
    ],
    [
      "secondary",
      [
        'faktory_ha_role{role="primary"} 0',
        'faktory_ha_role{role="pending"} 0',
        'faktory_ha_role{role="secondary"} 1',
        "faktory_ha_is_primary 0",
      ],
    ],
  ])("role %s: one role gauge at 1, is_primary only for primary", async (role, expected) => {
    const m = new SupervisorMetrics({ processMetrics: false });
    const s = samples(await m.render(input({ lease: { ...lease, role } })));
    for (const line of expected) expect(s).toContain(line);
  });

  it.each([
    ["faktory_ha_epoch", 7],
    ["faktory_ha_failovers_total", 2],
    ["faktory_ha_faktory_unexpected_exits_total", 1],
    ["faktory_ha_redis_up", 1],
  ])("%s is %d", async (name, value) => {
    const s = samples(await new SupervisorMetrics({ processMetrics: false }).render(input()));
    expect(s).toContain(`${name} ${value}`);
  });

  it("shows -1 for the epoch and redis_up 0 when no primary is known and Redis is down", async () => {
    const s = samples(
      await new SupervisorMetrics({ processMetrics: false }).render(
        input({ lease: { ...lease, role: "secondary", epoch: null, redisUp: false } }),
      ),
    );
    expect(s).toContain("faktory_ha_epoch -1");
    expect(s).toContain("faktory_ha_redis_up 0");
  });

  it.each([
    ["faktory_ha_router_connections", 3],
    ["faktory_ha_router_connections_total", 10],
    ["faktory_ha_router_held_connections", 1],
    ["faktory_ha_router_refused_total", 4],
    ["faktory_ha_router_migrated_total", 2],
    ["faktory_ha_router_closed_on_change_total", 4],
    ["faktory_ha_router_hold_timeouts_total", 9],
    ["faktory_ha_router_protocol_errors_total", 11],
    ["faktory_ha_router_line_too_long_total", 5],
    ["faktory_ha_router_handshake_timeouts_total", 6],
    ["faktory_ha_router_evicted_total", 7],
    ["faktory_ha_router_held_bytes", 8],
    ["faktory_ha_router_received_bytes_total", 12],
    ["faktory_ha_router_sent_bytes_total", 13],
  ])("router figure %s per router", async (name, value) => {
    const s = samples(await new SupervisorMetrics({ processMetrics: false }).render(input()));
    expect(s).toContain(`${name}{router="faktory"} ${value}`);
    expect(s.filter((l) => l.startsWith(`${name}{router="web"}`))).toHaveLength(1);
  });

  it("copies counters kept elsewhere without adding them up across scrapes", async () => {
    const m = new SupervisorMetrics({ processMetrics: false });
    await m.render(input());
    const s = samples(await m.render(input()));
    expect(s).toContain("faktory_ha_failovers_total 2");
    expect(s).toContain('faktory_ha_router_connections_total{router="faktory"} 10');
  });

  it("observes each renewal once into 1 ms..5 s buckets", async () => {
    const m = new SupervisorMetrics({ processMetrics: false });
    let s = samples(await m.render(input()));
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="0.001"} 1');
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="0.005"} 3');
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="0.1"} 4');
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="5"} 4');
    expect(s).toContain("faktory_ha_lease_renew_seconds_count 4");
    // Same status again: nothing new. Two more renewals: only those two are added.
    s = samples(await m.render(input()));
    expect(s).toContain("faktory_ha_lease_renew_seconds_count 4");
    s = samples(
      await m.render(input({ lease: { ...lease, renewals: 6, renewLatencyMs: [1, 2, 3, 100, 7, 3000] } })),
    );
    expect(s).toContain("faktory_ha_lease_renew_seconds_count 6");
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="2.5"} 5');
    expect(s).toContain('faktory_ha_lease_renew_seconds_bucket{le="5"} 6');
  });

  it("shows no faktory_* series at all when not primary", async () => {
    const text = await new SupervisorMetrics({ processMetrics: false }).render(input());
    expect(text).not.toMatch(/^(# (HELP|TYPE) )?faktory_(?!ha_)/m);
  });

  it("shows only faktory_up 0 when the primary's Faktory does not answer", async () => {
    const text = await new SupervisorMetrics({ processMetrics: false }).render(
      input({ faktory: { figures: null, readMs: 3000 } }),
    );
    const s = samples(text).filter((l) => /^faktory_(?!ha_)/.test(l));
    expect(s).toEqual(["faktory_up 0"]);
    expect(samples(text)).toContain("faktory_ha_faktory_info_read_seconds 3");
  });

  it("shows Faktory's figures on the primary, and forgets queues that went away", async () => {
    const m = new SupervisorMetrics({ processMetrics: false });
    let s = samples(await m.render(input({ faktory: { figures, readMs: 2 } })));
    for (const line of [
      "faktory_up 1",
      'faktory_queue_size{queue="default"} 5',
      'faktory_queue_size{queue="critical"} 2',
      'faktory_queue_latency_seconds{queue="default"} 12.5',
      'faktory_queue_latency_seconds{queue="critical"} 0',
      "faktory_queues 2",
      "faktory_jobs_processed_total 100",
      "faktory_jobs_failed_total 3",
      'faktory_set_size{set="working"} 1',
      'faktory_set_size{set="scheduled"} 2',
      'faktory_set_size{set="retries"} 3',
      'faktory_set_size{set="dead"} 4',
      "faktory_connections 5",
    ]) {
      expect(s).toContain(line);
    }
    const fewer = { ...figures, queues: figures.queues.filter((q) => q.queue === "default") };
    s = samples(await m.render(input({ faktory: { figures: fewer, readMs: 2 } })));
    expect(s.filter((l) => l.includes('queue="critical"'))).toEqual([]);
    // Demoted: everything of Faktory's disappears.
    s = samples(await m.render(input({ lease: { ...lease, role: "secondary" } })));
    expect(s.filter((l) => /^faktory_(?!ha_)/.test(l))).toEqual([]);
  });

  it("adds the process's own figures by default", async () => {
    const text = await new SupervisorMetrics().render(input());
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });
});
