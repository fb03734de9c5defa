import { FaktoryInfoClient, faktoryFigures, type FaktoryFigures } from "./faktory-info";
import type { Logger } from "./log";

/** The term whose Faktory is ours to read: set only while this pod is primary. */
export interface OwnTerm {
  readonly epoch: number;
  /** The lease worker saw our Faktory greet. */
  readonly ready: boolean;
}

export interface FaktoryReading {
  readonly epoch: number;
  /** null: Faktory did not answer (or is not ready yet). */
  readonly figures: FaktoryFigures | null;
  readonly error: string | null;
  readonly ms: number;
  readonly at: number;
}

export interface FaktoryMonitorOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly intervalMs: number;
  readonly maxQueues?: number;
  /** Our primary term right now, or null. Asked before and after each read. */
  readonly ownTerm: () => OwnTerm | null;
  readonly log: Logger;
}

/**
 * Reads the local Faktory's INFO every intervalMs while this pod is primary, on the main thread: the
 * lease worker's event loop is kept for renewals and fencing, and the figures are served from here.
 * A read that began in one term and ended in another is dropped, so only the current primary shows
 * Faktory's figures and a scrape of every pod does not count a queue twice.
 */
export class FaktoryMonitor {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private last: FaktoryReading | null = null;
  /** Whether the last read of a ready Faktory failed: logs one event per change. */
  private failing = false;
  private readonly client: FaktoryInfoClient;
  /** The term whose Faktory the client is connected to. */
  private clientEpoch: number | null = null;

  constructor(private readonly o: FaktoryMonitorOptions) {
    this.client = new FaktoryInfoClient({ host: o.host, port: o.port, password: o.password });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client.close();
  }

  /** The latest reading for `epoch`, if any. */
  reading(epoch: number): FaktoryReading | null {
    return this.last?.epoch === epoch ? this.last : null;
  }

  /** Reads now (unless a read is running); also called when our Faktory has just become ready. */
  async poll(): Promise<void> {
    const term = this.o.ownTerm();
    if (!term) {
      this.last = null;
      this.failing = false;
      this.client.close();
      return;
    }
    if (this.clientEpoch !== term.epoch) {
      // A new term runs a new Faktory: never reuse a connection to the previous one.
      this.client.close();
      this.clientEpoch = term.epoch;
    }
    if (!term.ready) {
      this.last = { epoch: term.epoch, figures: null, error: "Faktory not ready", ms: 0, at: Date.now() };
      return;
    }
    if (this.inFlight) return;
    this.inFlight = true;
    const t0 = performance.now();
    let figures: FaktoryFigures | null = null;
    let error: string | null = null;
    try {
      const r = await this.client.read(Math.min(this.o.intervalMs, 3_000));
      figures = faktoryFigures(r.info, r.latency, this.o.maxQueues);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      this.inFlight = false;
    }
    const ms = performance.now() - t0;
    const now = this.o.ownTerm();
    if (now?.epoch !== term.epoch) return; // the term ended meanwhile: not ours to show
    this.last = { epoch: term.epoch, figures, error, ms, at: Date.now() };
    if (error !== null && !this.failing) {
      this.o.log.warn("faktory.info_failed", { epoch: term.epoch, error });
    } else if (error === null && this.failing) {
      this.o.log.info("faktory.info_recovered", { epoch: term.epoch, ms: Math.round(ms) });
    }
    this.failing = error !== null;
  }
}
