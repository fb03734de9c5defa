import type { SupervisorHandle } from "../../support/loopback";

const LEASE_CHANGES = new Set(["lease.acquired", "lease.promoted", "lease.demoted", "faktory.exited"]);

/** How many events each supervisor has logged so far: where leaseChangesSince starts counting. */
export function marksOf(sups: readonly SupervisorHandle[]): Map<SupervisorHandle, number> {
  return new Map(sups.map((s) => [s, s.events.length]));
}

/** Lease changes and Faktory exits logged by any supervisor since `marks` (events.length per supervisor). */
export function leaseChangesSince(
  sups: readonly SupervisorHandle[],
  marks: Map<SupervisorHandle, number>,
): string[] {
  return sups.flatMap((s) =>
    s.events
      .slice(marks.get(s) ?? 0)
      .filter((e) => LEASE_CHANGES.has(e.event))
      .map((e) => `${s.id} ${e.event} ${JSON.stringify(e)}`),
  );
}
