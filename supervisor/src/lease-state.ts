import type { Role } from "./elector";

/** Milliseconds on the process-wide monotonic clock: the same in the main thread and the lease worker. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

const ROLES: readonly Role[] = ["secondary", "pending", "primary"];
const ROLE = 0;
const EPOCH = 1;
const LAST_RENEW_OK = 2;
const SLOTS = 3;

/**
 * What the router's fencing guard must read synchronously and fresh, whatever the main thread is busy
 * with: written by the lease worker, read by the main thread, in shared memory. Holder ids are not
 * needed here: the guard only asks about this supervisor's own term.
 */
export class LeaseState {
  private readonly cells: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * 8)) {
    this.cells = new Float64Array(buffer);
    this.cells[LAST_RENEW_OK] = Number.NEGATIVE_INFINITY;
  }

  write(role: Role, epoch: number | null, lastRenewOkAt: number | null): void {
    this.cells[ROLE] = ROLES.indexOf(role);
    this.cells[EPOCH] = epoch ?? -1;
    this.cells[LAST_RENEW_OK] = lastRenewOkAt ?? Number.NEGATIVE_INFINITY;
  }

  /** True while our own term `epoch` was renewed less than deadlineMs ago (monotonic clock). */
  fresh(epoch: number, deadlineMs: number): boolean {
    return (
      this.cells[ROLE] !== 0 &&
      this.cells[EPOCH] === epoch &&
      monotonicMs() - this.cells[LAST_RENEW_OK] < deadlineMs
    );
  }
}
