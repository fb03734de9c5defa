import { describe, expect, it } from "vitest";
import { Elector, type ElectorHooks } from "../../../supervisor/src/elector";
import type { LeaseValue } from "../../../supervisor/src/lease-scripts";
import type {
  Acquired,
  ForeignLease,
  LeaseEvent,
  LeaseStore,
  Member,
  Observed,
} from "../../../supervisor/src/lease-store";
import { sameTerm } from "../../../supervisor/src/term";
import { FENCE_MARGIN_MS } from "../../../components/contract/supervisor";
import { FakeClock, flush } from "./fake-clock";

const timings = { renewIntervalMs: 1_500, renewDeadlineMs: 4_000, pollMs: 500 };
const TTL = 10_000;
/** renewDeadline + stopTimeout (2 s), as a real holder writes it into its lease. */
const FENCE = 6_000;
/** renewDeadline + fence - ttl: 0 with these timings, so a dead holder's expiry is enough. */
const OVERRUN = 0;

/**
 * One in-memory Redis with the lease's semantics on the fake clock: a value with an expiry, an epoch
 * counter that can be lost with it, a pub/sub channel, and switchable failures.
 */
class MemoryRedis {
  value: LeaseValue | null = null;
  overrun = OVERRUN;
  expiresAt = 0;
  counter = 0;
  /** When Redis's current replication history began (a failover or restart begins a new one). */
  historySince = -1e12;
  down = false;
  /** When set, calls hang until released (a Redis that stopped answering). */
  hang: Promise<void> | null = null;
  calls: string[] = [];
  readonly electors: Elector[] = [];
  /** Each supervisor's pod template revision, as its presence key shows it. */
  readonly revisions = new Map<string, string>();

  constructor(readonly clock: FakeClock) {}

  /** A lease written by a supervisor of a protocol version the electors do not read, until it expires. */
  foreign: { holder: string; version: string; expiresAt: number } | null = null;

  current(): LeaseValue | null {
    if (this.value && this.clock.now() >= this.expiresAt) this.value = null;
    return this.value;
  }

  currentForeign(): MemoryRedis["foreign"] {
    if (this.foreign && this.clock.now() >= this.foreign.expiresAt) this.foreign = null;
    return this.foreign;
  }

  /** The key vanishes (DEL, a failover that lost it); with `counter`, the epoch counter too (FLUSHALL). */
  lose(counter = false): void {
    this.value = null;
    if (counter) this.counter = 0;
  }

  /** What a replica has: everything written so far. */
  replicaCopy(): { value: LeaseValue | null; expiresAt: number; counter: number } {
    return { value: this.value, expiresAt: this.expiresAt, counter: this.counter };
  }

  /** A failover to a replica that has only `copy`: later writes are lost, and a new history begins. */
  failover(copy: { value: LeaseValue | null; expiresAt: number; counter: number }): void {
    Object.assign(this, copy);
    this.historySince = this.clock.now();
  }

  store(who: string, uid?: string): MemoryLease {
    return new MemoryLease(this, who, uid);
  }
}

class MemoryLease implements LeaseStore {
  /** Cut off from Redis: every call hangs (a partition that drops packets). */
  cutOff = false;
  /** Calls Redis refuses for this supervisor (an ACL without the command): they fail at once. */
  readonly denied = new Set<string>();

  constructor(
    private readonly r: MemoryRedis,
    private readonly who: string,
    private readonly uid?: string,
  ) {}

  acquire(floor: number): Promise<Acquired | null> {
    return this.op("acquire", () => {
      if (this.r.current() || this.r.currentForeign()) return null;
      const counter = ++this.r.counter;
      const epoch = Math.max(counter, floor + 1);
      this.r.counter = epoch;
      const w = this.who;
      const overrun = this.r.overrun;
      const uid = this.uid !== undefined ? { uid: this.uid } : {};
      this.r.value = {
        epoch,
        id: w,
        addr: `${w}:17419`,
        web: `${w}:17420`,
        since: 0,
        fence: FENCE,
        overrun,
        ...uid,
      };
      this.r.expiresAt = this.r.clock.now() + TTL;
      return { lease: this.r.value, counter, historyAgeMs: this.r.clock.now() - this.r.historySince };
    });
  }

  renew(v: LeaseValue): Promise<boolean> {
    return this.op("renew", () => {
      if (!sameTerm(this.r.current(), v)) return false;
      this.r.expiresAt = this.r.clock.now() + TTL;
      return true;
    });
  }

  release(v: LeaseValue): Promise<boolean> {
    return this.op("release", () => {
      if (!sameTerm(this.r.current(), v)) return false;
      this.r.value = null;
      return true;
    });
  }

  read(): Promise<Observed | ForeignLease | null> {
    return this.op("read", () => {
      const foreign = this.r.currentForeign();
      if (foreign) {
        const { holder, version, expiresAt } = foreign;
        return { foreign: { kind: "lease", holder, version }, pttlMs: expiresAt - this.r.clock.now() };
      }
      const lease = this.r.current();
      return lease ? { lease, pttlMs: this.r.expiresAt - this.r.clock.now() } : null;
    });
  }

  announce(e: LeaseEvent): Promise<void> {
    return this.op("announce", () => {
      for (const el of this.r.electors) el.onEvent(e);
    });
  }

  members(): Promise<readonly Member[]> {
    return this.op("members", () => [...this.r.revisions].map(([id, revision]) => ({ id, revision })));
  }

  private async op<T>(name: string, fn: () => T): Promise<T> {
    this.r.calls.push(name);
    if (this.cutOff) await new Promise(() => undefined);
    if (this.denied.has(name)) throw new Error(`NOPERM ${name}`);
    if (this.r.hang) await this.r.hang;
    if (this.r.down) throw new Error("connect ECONNREFUSED");
    return fn();
  }
}

/** Records hooks; "running" is true between onPromote and the end of onDemote (Faktory's life). */
function recorder(clock: FakeClock) {
  const log: string[] = [];
  let stopDelay: (() => Promise<void>) | null = null;
  const state = { running: false, pendingAt: -1, lives: [] as { from: number; to: number }[] };
  const hooks: ElectorHooks = {
    onPromote: (l) => {
      log.push(`promote:${l.epoch}`);
      state.running = true;
      state.lives.push({ from: clock.now(), to: Infinity });
    },
    onDemote: async (l, reason) => {
      log.push(`demote:${l.epoch}:${reason}`);
      if (stopDelay) await stopDelay();
      log.push(`stopped:${l.epoch}`);
      if (state.running) state.lives[state.lives.length - 1].to = clock.now();
      state.running = false;
    },
    onLeader: (l) => log.push(`leader:${l ? `${l.id}@${l.epoch}` : "none"}`),
    onRedisError: (e) => log.push(e ? "redis:down" : "redis:up"),
    onPending: (l, w) => {
      log.push(`pending:${l.epoch}:${w.bound}`);
      state.pendingAt = clock.now();
    },
  };
  return { log, hooks, state, setStopDelay: (f: () => Promise<void>) => (stopDelay = f) };
}

function elector(redis: MemoryRedis, who: string, revision?: string, podUid?: string) {
  const rec = recorder(redis.clock);
  const store = redis.store(who, podUid);
  if (revision !== undefined) redis.revisions.set(who, revision);
  const el = new Elector(
    store,
    { ...timings, ttlMs: TTL, selfId: who, revision, podUid },
    rec.hooks,
    redis.clock,
  );
  redis.electors.push(el);
  return { el, rec, store };
}

function setup() {
  const clock = new FakeClock();
  const redis = new MemoryRedis(clock);
  const a = elector(redis, "a");
  return { clock, redis, a };
}

/** A running primary "b" that "a" has seen. */
async function withPrimaryB() {
  const { clock, redis, a } = setup();
  const b = elector(redis, "b");
  b.el.start();
  await clock.advance(TTL); // b knew nobody before it: it waits one ttl
  expect(b.el.snapshot().role).toBe("primary");
  a.el.start();
  await clock.advance(timings.pollMs);
  expect(a.el.snapshot().leader?.id).toBe("b");
  return { clock, redis, a, b };
}

function overlapMs(...lives: { from: number; to: number }[][]): number {
  let worst = 0;
  for (let i = 0; i < lives.length; i++)
    for (let j = i + 1; j < lives.length; j++)
      for (const x of lives[i])
        for (const y of lives[j]) worst = Math.max(worst, Math.min(x.to, y.to) - Math.max(x.from, y.from));
  return worst;
}

describe("Elector", () => {
  it("never acquires over or routes to a lease of a protocol version it does not read; once that lease is gone it waits a full ttl", async () => {
    const { clock, redis, a } = setup();
    // A supervisor of a newer release, mid-upgrade, holds the lease; its Faktory's timing is unknown to us.
    redis.counter = 7;
    redis.foreign = { holder: "c", version: "3", expiresAt: clock.now() + 3 * TTL };
    a.el.start();
    await clock.advance(3 * TTL - timings.pollMs);
    expect(a.el.snapshot()).toMatchObject({ role: "secondary", leader: null });
    expect(redis.calls).not.toContain("acquire");
    expect(a.rec.log.filter((l) => l.startsWith("leader:") && l !== "leader:none")).toEqual([]);
    // Its key expires (or its holder released it): acquire, with nothing known of the predecessor.
    await clock.advance(timings.pollMs);
    expect(a.rec.log).toContain("pending:8:ttl");
    const pendingAt = a.rec.state.pendingAt;
    await clock.advance(TTL - timings.pollMs);
    expect(a.el.snapshot().role).toBe("pending");
    await clock.advance(timings.pollMs);
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.rec.state.lives[0].from - pendingAt).toBeGreaterThanOrEqual(TTL);
  });

  it("a fresh pod that saw no previous holder waits one ttl after acquiring before it starts Faktory", async () => {
    const { clock, redis, a } = setup();
    a.el.start();
    await clock.advance(0);
    expect(a.rec.log).toEqual(["leader:a@1", "pending:1:ttl"]);
    expect(a.el.snapshot().role).toBe("pending");
    await clock.advance(TTL - 1);
    expect(a.el.snapshot().role).toBe("pending");
    await clock.advance(1);
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.rec.log.at(-1)).toBe("promote:1");
    redis.calls.length = 0;
    await clock.advance(15_000);
    expect(redis.calls.filter((c) => c === "renew")).toHaveLength(10);
    expect(redis.current()?.epoch).toBe(1);
  });

  it("stays secondary while another holder renews, and follows it as leader", async () => {
    const { a, clock } = await withPrimaryB();
    await clock.advance(5_000);
    expect(a.el.snapshot().role).toBe("secondary");
    expect(a.el.snapshot().leader?.id).toBe("b");
  });

  it("takes over a holder cut off from Redis once its lease expired, plus the fence margin", async () => {
    const { clock, a, b } = await withPrimaryB();
    b.store.cutOff = true;
    await clock.advance(TTL + timings.pollMs);
    expect(b.rec.log).toContain("demote:1:deadline");
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.rec.log).toContain("pending:2:expiry");
    // Not before the fence margin has passed since the expiry it read.
    expect(a.rec.state.lives[0].from - a.rec.state.pendingAt).toBeLessThanOrEqual(FENCE_MARGIN_MS);
    expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
  });

  it("adds the holder's overrun when a last-moment renew could push its fence past the expiry it showed", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    // A holder whose 2 × renewDeadline + stopTimeout exceeds ttl publishes the excess with its lease.
    redis.overrun = 2_000;
    await b.el.stop();
    await clock.advance(0);
    expect(a.el.snapshot().role).toBe("primary"); // b announced its stop
    const c = elector(redis, "c");
    c.el.start();
    await clock.advance(timings.pollMs);
    a.store.cutOff = true;
    await clock.advance(TTL + timings.pollMs);
    expect(c.rec.log).toContain("pending:3:expiry");
    expect(c.el.snapshot().role).toBe("pending");
    await clock.advance(2_000);
    expect(c.el.snapshot().role).toBe("primary");
    expect(overlapMs(a.rec.state.lives, c.rec.state.lives)).toBeLessThanOrEqual(0);
  });

  it("without a recent read of the holder's lease it waits that holder's fence from its acquire", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    redis.down = true; // b and a both lose Redis: b fences itself by its deadline
    await clock.advance(timings.renewDeadlineMs);
    expect(b.el.snapshot().role).toBe("secondary");
    b.el.stop();
    await clock.advance(TTL);
    redis.down = false;
    await clock.advance(timings.pollMs);
    // b's stop announcement was lost with Redis, and a's last read of b is ttl old.
    expect(a.el.snapshot().role).toBe("pending");
    expect(a.el.snapshot().waiting).toMatchObject({ bound: "fence", proof: { id: "b", epoch: 1 } });
    await clock.advance(FENCE + FENCE_MARGIN_MS);
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.rec.state.lives[0].from - a.rec.state.pendingAt).toBe(FENCE + FENCE_MARGIN_MS);
    expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
  });

  it("starts at once after a graceful handover: the old holder announced its stop", async () => {
    const { clock, a, b } = await withPrimaryB();
    await b.el.stop();
    await clock.advance(0);
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.el.snapshot().lease?.epoch).toBe(2);
    expect(b.rec.log.slice(-2)).toEqual(["demote:1:shutdown", "stopped:1"]);
  });

  describe("the primary's Faktory exited without being asked", () => {
    it("the term ends with it: a standby starts at once under a new epoch, the old holder holds off", async () => {
      const { clock, redis, a, b } = await withPrimaryB();
      await b.el.relinquish(5_000);
      await clock.advance(0);
      expect(b.rec.log.filter((l) => /^(demote|stopped):/.test(l))).toEqual(["demote:1:exited", "stopped:1"]);
      expect(b.rec.log.at(-1)).toBe("leader:a@2");
      expect(a.el.snapshot().role).toBe("primary");
      expect(a.el.snapshot().lease?.epoch).toBe(2);
      // a's Faktory exits too, 1 s later: b is still in its holdoff, so a takes the lease back.
      await clock.advance(1_000);
      await a.el.relinquish(250);
      await clock.advance(249);
      expect(redis.current()).toBeNull();
      expect(b.el.snapshot().role).toBe("secondary");
      await clock.advance(1);
      expect(a.el.snapshot()).toMatchObject({ role: "primary", lease: { epoch: 3 } });
      expect(b.el.snapshot().role).toBe("secondary");
      expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
    });

    it("alone, the pod takes a new term after its holdoff and starts at once on its own stop", async () => {
      const { clock, redis, a } = setup();
      a.el.start();
      await clock.advance(TTL);
      expect(a.el.snapshot().role).toBe("primary");
      await a.el.relinquish(1_000);
      await clock.advance(999);
      expect(a.el.snapshot().role).toBe("secondary");
      expect(redis.current()).toBeNull();
      await clock.advance(1);
      expect(a.el.snapshot()).toMatchObject({ role: "primary", lease: { epoch: 2 } });
      expect(a.rec.log.filter((l) => l.startsWith("promote:"))).toEqual(["promote:1", "promote:2"]);
    });

    it("is a no-op once the elector is stopping or not primary", async () => {
      const { clock, a, b } = await withPrimaryB();
      await a.el.relinquish(1_000);
      expect(a.rec.log.some((l) => l.startsWith("demote:"))).toBe(false);
      await b.el.stop();
      await b.el.relinquish(1_000);
      await clock.advance(0);
      expect(b.rec.log.filter((l) => l.startsWith("demote:"))).toEqual(["demote:1:shutdown"]);
    });
  });

  describe("a planned stop during a rolling update", () => {
    /** Primary "b" and standby "a" run revision r1; standby "c" runs `cRevision` (r2: already replaced). */
    async function rollout(cRevision = "r2") {
      const clock = new FakeClock();
      const redis = new MemoryRedis(clock);
      const b = elector(redis, "b", "r1");
      b.el.start();
      await clock.advance(TTL);
      const a = elector(redis, "a", "r1");
      const c = elector(redis, "c", cRevision);
      a.el.start();
      c.el.start();
      await clock.advance(timings.pollMs);
      expect(b.el.snapshot().role).toBe("primary");
      return { clock, redis, a, b, c };
    }

    it("hands the lease to the updated standby, which starts at once; the other holds off", async () => {
      const { clock, a, b, c } = await rollout();
      // a hears the announcement first: without a named successor it would win the race.
      await b.el.stop();
      await clock.advance(0);
      expect(c.el.snapshot().role).toBe("primary");
      expect(c.el.snapshot().lease?.epoch).toBe(2);
      expect(a.el.snapshot().role).toBe("secondary");
      await clock.advance(5 * timings.pollMs);
      expect(a.el.snapshot().role).toBe("secondary");
      expect(a.el.snapshot().leader?.id).toBe("c");
      expect(overlapMs(b.rec.state.lives, c.rec.state.lives)).toBeLessThanOrEqual(0);
    });

    it("if the named successor does not take it, another standby does one poll interval later", async () => {
      const { clock, a, b, c } = await rollout();
      c.store.cutOff = true; // the updated pod froze just now
      await b.el.stop();
      await clock.advance(timings.pollMs - 1);
      expect(a.el.snapshot().role).toBe("secondary");
      await clock.advance(1);
      // b announced its stop: a starts as soon as it holds the lease.
      expect(a.el.snapshot().role).toBe("primary");
      expect(overlapMs(b.rec.state.lives, a.rec.state.lives)).toBeLessThanOrEqual(0);
    });

    it("names nobody when every standby runs the primary's revision: they race as on any stop", async () => {
      const { clock, a, b } = await rollout("r1");
      await b.el.stop();
      await clock.advance(0);
      expect(a.el.snapshot().role).toBe("primary");
    });
  });

  it("lease deleted under a running primary: the new holder waits until the old one stopped and said so", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    redis.lose();
    await clock.advance(timings.pollMs);
    // a holds the lease now but b still runs Faktory: a must not start.
    expect(a.el.snapshot().role).toBe("pending");
    expect(b.el.snapshot().role).toBe("primary");
    await clock.advance(timings.renewIntervalMs);
    // b's renew found a's value: b stopped, announced, and only then a started.
    expect(b.rec.log).toContain("demote:1:lost");
    expect(a.el.snapshot().role).toBe("primary");
    expect(a.rec.state.lives[0].from).toBeGreaterThanOrEqual(b.rec.state.lives[0].to);
    expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
  });

  it("lease and epoch counter lost (FLUSHALL): no proof can name the predecessor, so it waits a full ttl", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    redis.lose(true);
    await clock.advance(timings.pollMs);
    const w = a.el.snapshot().waiting!;
    expect(w).toMatchObject({ proof: null, bound: "ttl" });
    // The epoch still moves forward: a saw epoch 1, so it takes 2, not the counter's 1.
    expect(a.el.snapshot().lease?.epoch).toBe(2);
    await clock.advance(timings.renewIntervalMs);
    expect(b.el.snapshot().role).toBe("secondary"); // b stopped and announced, which does not suffice
    expect(a.el.snapshot().role).toBe("pending");
    await clock.advance(TTL);
    expect(a.el.snapshot().role).toBe("primary");
    expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
  });

  describe("a Redis failover that lost the newest writes", () => {
    /** b stops with an announcement; x acquires epoch 2 and starts on that proof; the failover loses it. */
    async function lostAcquire() {
      const { clock, redis, a, b } = await withPrimaryB();
      const x = elector(redis, "x");
      x.el.start();
      await clock.advance(timings.pollMs);
      // a hears announcements but may not poll for now; nobody hears x's.
      ["read", "acquire"].forEach((op) => a.store.denied.add(op));
      x.store.denied.add("announce");
      await b.el.stop();
      const beforeX = redis.replicaCopy(); // b's release replicated; nothing after it will be
      await clock.advance(timings.pollMs);
      expect(x.el.snapshot()).toMatchObject({ role: "primary", lease: { epoch: 2 } });
      redis.failover(beforeX);
      // x's term is gone; x learns it at its next renew. a polls the promoted replica.
      a.store.denied.clear();
      return { clock, redis, a, b, x };
    }

    it("the standby handed the lost epoch again waits a ttl from the new history: the lost holder stops first", async () => {
      const { clock, a, x } = await lostAcquire();
      await clock.advance(timings.pollMs);
      // Same epoch as x's, and b's `stopped` looks like proof — but the history is new.
      expect(a.el.snapshot().lease?.epoch).toBe(2);
      expect(a.el.snapshot().waiting).toMatchObject({ proof: null, bound: "history" });
      await clock.advance(timings.renewIntervalMs);
      expect(x.rec.log).toContain("demote:2:lost");
      expect(a.el.snapshot().role).toBe("pending");
      await clock.advance(TTL);
      expect(a.el.snapshot().role).toBe("primary");
      expect(overlapMs(a.rec.state.lives, x.rec.state.lives)).toBeLessThanOrEqual(0);
    });

    it("a ttl after the failover the history is trusted again: a graceful handover starts at once", async () => {
      const { clock, a, x } = await lostAcquire();
      await clock.advance(2 * TTL);
      expect(a.el.snapshot().role).toBe("primary");
      x.store.denied.clear();
      await a.el.stop();
      await clock.advance(0);
      expect(x.el.snapshot()).toMatchObject({ role: "primary", lease: { epoch: 3 } });
      expect(x.rec.log).toContain("pending:3:fence");
    });
  });

  it("a lease brought back by a lossy failover, of a term that announced its stop, is freed at once", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    ["read", "acquire"].forEach((op) => a.store.denied.add(op));
    const withB = redis.replicaCopy();
    await b.el.stop();
    await clock.advance(0);
    // The promoted replica missed b's release: b's lease of epoch 1 is back, with most of its ttl.
    redis.failover({ ...withB, expiresAt: clock.now() + TTL });
    a.store.denied.clear();
    await clock.advance(timings.pollMs);
    // a heard b@1's `stopped`: it frees the key at once instead of waiting out its expiry.
    expect(redis.calls).toContain("release");
    expect(a.el.snapshot()).toMatchObject({ role: "pending", waiting: { bound: "history" } });
    await clock.advance(TTL);
    expect(a.el.snapshot().role).toBe("primary");
  });

  it("an acquire whose reply comes back later than the renew deadline does not start a term", async () => {
    const { clock, redis, a } = setup();
    let unblock!: () => void;
    a.el.start();
    redis.hang = new Promise<void>((r) => (unblock = r));
    await clock.advance(1); // the poll's read is in flight
    await clock.advance(timings.renewDeadlineMs);
    redis.hang = null;
    unblock();
    await flush();
    // The read returns, then the acquire: the tick as a whole took longer than the renew deadline.
    expect(a.rec.log.filter((l) => l.startsWith("pending:"))).toEqual([]);
    expect(a.el.snapshot().role).toBe("secondary");
    expect(redis.current()).toBeNull();
  });

  it("a stale value of another holder written over the lease: the running primary stops before anyone starts", async () => {
    const { clock, redis, a, b } = await withPrimaryB();
    redis.value = { epoch: 1, id: "c", addr: "c:1", web: "c:2", since: 0 }; // c never runs: no announcement
    // c@1 carries no fence timings: whoever acquires next waits a full ttl after its acquire.
    await clock.advance(timings.renewIntervalMs + 2 * TTL + 1_000);
    expect(b.rec.log).toContain("demote:1:lost");
    expect(overlapMs(a.rec.state.lives, b.rec.state.lives)).toBeLessThanOrEqual(0);
    expect([a.el.snapshot().role, b.el.snapshot().role]).toContain("primary");
  });

  it("fences itself when renewals fail for renewDeadline, before the lease can expire", async () => {
    const { clock, redis, b } = await withPrimaryB();
    const renewedAt = clock.now();
    redis.down = true;
    await clock.advance(timings.renewDeadlineMs);
    expect(b.el.snapshot().role).toBe("secondary");
    expect(b.rec.log).toContain("demote:1:deadline");
    expect(b.rec.log).toContain("stopped:1");
    expect(clock.now()).toBeLessThan(renewedAt + TTL);
  });

  it("fences on time even when a renew call hangs instead of failing", async () => {
    const { clock, redis, b } = await withPrimaryB();
    let unblock!: () => void;
    redis.hang = new Promise<void>((r) => (unblock = r));
    await clock.advance(timings.renewDeadlineMs);
    expect(b.rec.log).toContain("demote:1:deadline");
    expect(b.el.snapshot().role).toBe("secondary");
    unblock();
    await flush();
  });

  it("does not release the lease before Faktory has stopped on shutdown", async () => {
    const { clock, redis, b } = await withPrimaryB();
    let finishStop!: () => void;
    b.rec.setStopDelay(() => new Promise<void>((r) => (finishStop = r)));
    const stopping = b.el.stop();
    await flush();
    expect(b.rec.log.at(-1)).toBe("demote:1:shutdown");
    expect(redis.current()?.id).toBe("b");
    finishStop();
    await stopping;
    await clock.advance(0);
    expect(b.rec.log).toContain("stopped:1");
    expect(redis.current()?.id).not.toBe("b");
  });

  it("stays secondary and reports why while Redis is down, then acquires when it is back", async () => {
    const { clock, redis, a } = setup();
    redis.down = true;
    a.el.start();
    await clock.advance(3_000);
    expect(a.el.snapshot().role).toBe("secondary");
    expect(a.rec.log[0]).toBe("redis:down");
    redis.down = false;
    await clock.advance(timings.pollMs);
    expect(a.rec.log).toContain("redis:up");
    expect(a.el.snapshot().role).toBe("pending");
  });

  it("frees a leftover lease with its own id, and still waits out that term's fence", async () => {
    const { clock, redis, a } = setup();
    await redis.store("a").acquire(0);
    a.el.start();
    await clock.advance(0);
    expect(a.el.snapshot().lease?.epoch).toBe(2);
    expect(a.el.snapshot().waiting).toMatchObject({ proof: { id: "a", epoch: 1 }, bound: "fence" });
  });

  describe("a container restarted inside its pod (same name, same pod UID)", () => {
    const UID = "3f0e4c52-9d1a-4f3e-8c7b-2a6d5e9f1b04";

    it("takes its previous container's term over and starts at once: that Faktory died with the container", async () => {
      const { clock, redis } = setup();
      await redis.store("b", UID).acquire(0); // the previous container's term, still in Redis
      const b = elector(redis, "b", undefined, UID);
      b.el.start();
      await clock.advance(0);
      expect(b.el.snapshot()).toMatchObject({ role: "primary", lease: { epoch: 2, uid: UID } });
      expect(b.el.snapshot().waiting).toBeNull();
      expect(b.rec.log).toContain("pending:2:restart");
      expect(b.rec.state.lives[0].from).toBe(b.rec.state.pendingAt);
    });

    it("a pod replaced under the same name (a new UID) still waits out the term's fence", async () => {
      const { clock, redis } = setup();
      await redis.store("b", UID).acquire(0);
      const b = elector(redis, "b", undefined, "0b9e1f0a-5c2d-4e6f-9a8b-7c6d5e4f3a21");
      b.el.start();
      await clock.advance(0);
      expect(b.el.snapshot().waiting).toMatchObject({ bound: "fence", proof: { id: "b", epoch: 1 } });
    });

    it("without a UID of its own (outside Kubernetes) it waits the fence as before", async () => {
      const { clock, redis } = setup();
      await redis.store("b", UID).acquire(0);
      const b = elector(redis, "b");
      b.el.start();
      await clock.advance(0);
      expect(b.el.snapshot().waiting).toMatchObject({ bound: "fence" });
    });

    it("someone acquired since (the counter moved on): the term it finds is not known to be the latest", async () => {
      const { clock, redis } = setup();
      await redis.store("b", UID).acquire(0);
      redis.counter += 1; // an acquire of a term we never saw (lost with its key)
      const b = elector(redis, "b", undefined, UID);
      b.el.start();
      await clock.advance(0);
      expect(b.el.snapshot().waiting).toMatchObject({ bound: "ttl", proof: null });
    });

    it("a term this very process held and fenced is not a previous container's: it waits as for any holder", async () => {
      const { clock, redis } = setup();
      const b = elector(redis, "b", undefined, UID);
      b.el.start();
      await clock.advance(TTL); // a fresh pod that saw nobody: one ttl
      expect(b.el.snapshot().role).toBe("primary");
      redis.down = true; // renewals fail: b fences itself by its deadline
      await clock.advance(timings.renewDeadlineMs + timings.renewIntervalMs);
      expect(b.el.snapshot().role).toBe("secondary");
      redis.down = false; // its own term is still in Redis: b frees it and acquires again
      await clock.advance(timings.pollMs * 2);
      // The expiry it read of its own term bounds it, as for anyone's: not the restart shortcut.
      expect(b.rec.log.filter((l) => l.startsWith("pending:"))).toEqual([
        "pending:1:ttl",
        "pending:2:expiry",
      ]);
    });

    it("on a Redis history younger than a ttl it waits as any holder does", async () => {
      const { clock, redis } = setup();
      await redis.store("b", UID).acquire(0);
      redis.failover(redis.replicaCopy());
      const b = elector(redis, "b", undefined, UID);
      b.el.start();
      await clock.advance(0);
      expect(b.el.snapshot().waiting).toMatchObject({ bound: "history" });
    });
  });

  it("never lets two Faktory run at once under outages, deletions and flushes", async () => {
    const clock = new FakeClock();
    const redis = new MemoryRedis(clock);
    const nodes = ["a", "b", "c"].map((w) => elector(redis, w));
    for (const n of nodes) n.el.start();
    let rnd = 42;
    const random = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 600; i++) {
      await clock.advance(250);
      const r = random();
      if (r < 0.01) redis.lose(false);
      else if (r < 0.015) redis.lose(true);
      else if (r < 0.02) redis.down = !redis.down;
      expect(nodes.filter((n) => n.rec.state.running).length).toBeLessThanOrEqual(1);
    }
    redis.down = false;
    await clock.advance(30_000);
    expect(overlapMs(...nodes.map((n) => n.rec.state.lives))).toBeLessThanOrEqual(0);
    expect(nodes.filter((n) => n.rec.state.running)).toHaveLength(1);
    const promotions = nodes.flatMap((n) => n.rec.log).filter((l) => l.startsWith("promote:"));
    expect(promotions.length).toBeGreaterThan(3);
  });
});
