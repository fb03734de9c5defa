import { monotonicMs } from "./clock";
import type { Role } from "./elector";

const ROLES: readonly Role[] = ["secondary", "pending", "primary"];
const ROLE = 0;
const EPOCH = 1;
const LAST_RENEW_OK = 2;
const FAKTORY_PID = 3;
const SLOTS = 4;

/**
 * What the main thread must read synchronously and fresh, whatever it is busy with and whether or not
 * the lease worker still runs: written by the lease worker, read by the main thread, in shared memory.
 * The router's fencing guard, the Faktory watchdog and /status read it. Holder ids are not needed here:
 * they only ask about this supervisor's own term.
 */
export class LeaseState {
  private readonly cells: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * 8)) {
    this.cells = new Float64Array(buffer);
    this.cells[LAST_RENEW_OK] = Number.NEGATIVE_INFINITY;
  }

  write(role: Role, epoch: number | null, lastRenewOkAt: number | null, faktoryPid: number | null): void {
    // Slots are written one by one and read without a lock: leaving a term, the role goes first; taking
    // one, it goes last. A reader between two writes then never sees a held term with stale figures.
    if (role === "secondary") this.cells[ROLE] = 0;
    this.cells[EPOCH] = epoch ?? -1;
    this.cells[LAST_RENEW_OK] = lastRenewOkAt ?? Number.NEGATIVE_INFINITY;
    this.cells[FAKTORY_PID] = faktoryPid ?? 0;
    this.cells[ROLE] = ROLES.indexOf(role);
  }

  role(): Role {
    return ROLES[this.cells[ROLE]];
  }

  /** Our own term's epoch while we hold one (pending or primary), else null. */
  epoch(): number | null {
    return this.cells[ROLE] === 0 || this.cells[EPOCH] < 0 ? null : this.cells[EPOCH];
  }

  /** The pid of the Faktory child the lease worker runs, or null. */
  faktoryPid(): number | null {
    const pid = this.cells[FAKTORY_PID];
    return pid > 0 ? pid : null;
  }

  /**
   * How long our own term has gone without a successful renew, when we hold one and that is at least
   * boundMs; else null. Past renewDeadline the lease worker demotes and writes "secondary", so a term
   * still held at renewDeadline + stopTimeout means the worker is not running.
   */
  overdueMs(boundMs: number): number | null {
    if (this.cells[ROLE] === 0) return null;
    const staleMs = monotonicMs() - this.cells[LAST_RENEW_OK];
    return staleMs >= boundMs ? staleMs : null;
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
