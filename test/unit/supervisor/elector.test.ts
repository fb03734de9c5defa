import { describe, expect, it } from "vitest";
import { Elector, type ElectorHooks, type LeaseStore } from "../../../supervisor/src/elector";
import type { LeaseValue } from "../../../supervisor/src/lease-scripts";
import { FakeClock, flush } from "./fake-clock";

/** An in-memory lease with Redis semantics (value + expiry on the fake clock) and switchable failures. */
class MemoryLease implements LeaseStore {
  value: LeaseValue | null = null;
  expiresAt = 0;
  epoch = 0;
  down = false;
  /** When set, calls hang until released (a Redis that stopped answering). */
  hang: Promise<void> | null = null;
  calls: string[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly ttl: number,
    private readonly who: string,
  ) {}

  forOther(who: string): LeaseStore {
    return {
      acquire: (now) => this.op("acquire", () => this.doAcquire(who, now)),
      renew: (v) => this.op("renew", () => this.doRenew(v)),
      release: (v) => this.op("release", () => this.doRelease(v)),
      read: () => this.op("read", () => this.current()),
    };
  }

  acquire(now: number) {
    return this.op("acquire", () => this.doAcquire(this.who, now));
  }
  renew(v: LeaseValue) {
    return this.op("renew", () => this.doRenew(v));
  }
  release(v: LeaseValue) {
    return this.op("release", () => this.doRelease(v));
  }
  read() {
    return this.op("read", () => this.current());
  }

  private async op<T>(name: string, fn: () => T): Promise<T> {
    this.calls.push(name);
    if (this.hang) await this.hang;
    if (this.down) throw new Error("connect ECONNREFUSED");
    return fn();
  }

  current(): LeaseValue | null {
    if (this.value && this.clock.now() >= this.expiresAt) this.value = null;
    return this.value;
  }

  private doAcquire(who: string, now: number): LeaseValue | null {
    if (this.current()) return null;
    this.epoch++;
    this.value = { epoch: this.epoch, id: who, addr: `${who}:17419`, web: `${who}:17420`, since: now };
    this.expiresAt = this.clock.now() + this.ttl;
    return this.value;
  }

  private doRenew(v: LeaseValue): boolean {
    const cur = this.current();
    if (cur?.epoch !== v.epoch) return false;
    this.expiresAt = this.clock.now() + this.ttl;
    return true;
  }

  private doRelease(v: LeaseValue): boolean {
    if (this.current()?.epoch !== v.epoch) return false;
    this.value = null;
    return true;
  }
}

const timings = { renewIntervalMs: 2_000, renewDeadlineMs: 6_000, pollMs: 500 };
const TTL = 10_000;

function recorder() {
  const log: string[] = [];
  let stopDelay: (() => Promise<void>) | null = null;
  const hooks: ElectorHooks = {
    onPromote: (l) => log.push(`promote:${l.epoch}`),
    onDemote: async (l, reason) => {
      log.push(`demote:${l.epoch}:${reason}`);
      if (stopDelay) await stopDelay();
      log.push(`stopped:${l.epoch}`);
    },
    onLeader: (l) => log.push(`leader:${l ? `${l.id}@${l.epoch}` : "none"}`),
    onRedisError: (e) => log.push(e ? "redis:down" : "redis:up"),
  };
  return { log, hooks, setStopDelay: (f: () => Promise<void>) => (stopDelay = f) };
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryLease(clock, TTL, "a");
  const rec = recorder();
  const elector = new Elector(store, { ...timings, selfId: "a" }, rec.hooks, clock);
  return { clock, store, rec, elector };
}

describe("Elector", () => {
  it("acquires a free lease, becomes primary, and renews it every interval", async () => {
    const { clock, store, rec, elector } = setup();
    elector.start();
    await clock.advance(0);
    expect(rec.log).toEqual(["leader:a@1", "promote:1"]);
    expect(elector.snapshot().role).toBe("primary");
    store.calls.length = 0;
    await clock.advance(10_000);
    expect(store.calls).toEqual(["renew", "renew", "renew", "renew", "renew"]);
    expect(store.current()?.epoch).toBe(1);
  });

  it("stays secondary while another holder renews, and follows it as leader", async () => {
    const { clock, store, rec, elector } = setup();
    const other = store.forOther("b");
    await other.acquire(clock.now());
    elector.start();
    await clock.advance(5_000);
    expect(elector.snapshot().role).toBe("secondary");
    expect(elector.snapshot().leader?.id).toBe("b");
    expect(rec.log).toEqual(["leader:b@1"]);
  });

  it("takes over only after the old holder's lease expires (ttl)", async () => {
    const { clock, store, rec, elector } = setup();
    const other = store.forOther("b");
    await other.acquire(clock.now());
    const t0 = clock.now();
    elector.start();
    await clock.advance(TTL - 1);
    expect(elector.snapshot().role).toBe("secondary");
    await clock.advance(timings.pollMs + 1);
    expect(elector.snapshot().role).toBe("primary");
    expect(clock.now() - t0).toBeLessThanOrEqual(TTL + timings.pollMs);
    expect(rec.log).toEqual(["leader:b@1", "leader:a@2", "promote:2"]);
  });

  it("takes over at the next poll when the holder releases, and wake() skips the wait", async () => {
    const { clock, store, elector } = setup();
    const other = store.forOther("b");
    const held = (await other.acquire(clock.now()))!;
    elector.start();
    await clock.advance(100);
    await other.release(held);
    elector.wake();
    await clock.advance(0);
    expect(elector.snapshot().role).toBe("primary");
    expect(elector.snapshot().lease?.epoch).toBe(2);
  });

  it("fences itself when renewals fail for renewDeadline, before the lease can expire", async () => {
    const { clock, store, rec, elector } = setup();
    elector.start();
    await clock.advance(0);
    const acquiredAt = clock.now();
    store.down = true;
    await clock.advance(timings.renewDeadlineMs - 1);
    expect(elector.snapshot().role).toBe("primary");
    await clock.advance(1);
    expect(elector.snapshot().role).toBe("secondary");
    expect(rec.log).toContain("demote:1:deadline");
    expect(rec.log).toContain("stopped:1");
    // Faktory was stopped before the key could have expired for a standby.
    expect(clock.now()).toBeLessThan(acquiredAt + TTL);
    expect(rec.log.filter((l) => l === "redis:down").length).toBeGreaterThan(0);
  });

  it("fences on time even when a renew call hangs instead of failing", async () => {
    const { clock, store, rec, elector } = setup();
    elector.start();
    await clock.advance(0);
    let unblock!: () => void;
    store.hang = new Promise<void>((r) => (unblock = r));
    await clock.advance(timings.renewDeadlineMs);
    expect(rec.log).toContain("demote:1:deadline");
    expect(elector.snapshot().role).toBe("secondary");
    unblock();
    await flush();
  });

  it("demotes at once when the lease turns out to be someone else's", async () => {
    const { clock, store, rec, elector } = setup();
    elector.start();
    await clock.advance(0);
    // Simulate a pause longer than ttl: the key expired and b took it.
    store.value = null;
    await store.forOther("b").acquire(clock.now());
    await clock.advance(timings.renewIntervalMs);
    expect(rec.log).toContain("demote:1:lost");
    expect(elector.snapshot().role).toBe("secondary");
    await clock.advance(timings.pollMs);
    expect(elector.snapshot().leader?.id).toBe("b");
  });

  it("does not release the lease before Faktory has stopped on shutdown", async () => {
    const { clock, store, rec, elector } = setup();
    let finishStop!: () => void;
    rec.setStopDelay(() => new Promise<void>((r) => (finishStop = r)));
    elector.start();
    await clock.advance(0);
    const stopping = elector.stop();
    await flush();
    expect(rec.log.at(-1)).toBe("demote:1:shutdown");
    expect(store.current()?.id).toBe("a");
    finishStop();
    await stopping;
    expect(rec.log.at(-1)).toBe("stopped:1");
    expect(store.current()).toBeNull();
  });

  it("stays secondary and reports why while Redis is down, then acquires when it is back", async () => {
    const { clock, store, rec, elector } = setup();
    store.down = true;
    elector.start();
    await clock.advance(3_000);
    expect(elector.snapshot().role).toBe("secondary");
    expect(rec.log[0]).toBe("redis:down");
    store.down = false;
    await clock.advance(timings.pollMs);
    expect(rec.log).toContain("redis:up");
    expect(elector.snapshot().role).toBe("primary");
  });

  it("frees a leftover lease with its own id instead of waiting for ttl", async () => {
    const { clock, store, elector } = setup();
    await store.forOther("a").acquire(clock.now());
    elector.start();
    await clock.advance(0);
    expect(elector.snapshot().role).toBe("primary");
    expect(elector.snapshot().lease?.epoch).toBe(2);
  });

  it("never lets two electors be primary at the same time", async () => {
    const clock = new FakeClock();
    const store = new MemoryLease(clock, TTL, "a");
    const recA = recorder();
    const recB = recorder();
    const a = new Elector(store, { ...timings, selfId: "a" }, recA.hooks, clock);
    const b = new Elector(store.forOther("b"), { ...timings, selfId: "b" }, recB.hooks, clock);
    a.start();
    b.start();
    for (let i = 0; i < 160; i++) {
      await clock.advance(250);
      // Take Redis away for longer than renewDeadline, twice, to force fencing and takeovers.
      store.down = i % 80 >= 10 && i % 80 < 40;
      expect(a.snapshot().role === "primary" && b.snapshot().role === "primary").toBe(false);
    }
    const promotions = [...recA.log, ...recB.log].filter((l) => l.startsWith("promote:"));
    expect(promotions.length).toBeGreaterThan(1);
  });
});
