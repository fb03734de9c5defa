import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { faktoryHaAlertRules, type AlertName } from "../../components/k8s/monitoring/alerts";
import { dashboardExpressions, faktoryHaDashboard } from "../../components/k8s/monitoring/dashboard";
import { FaktoryMonitor, type OwnTerm } from "../../supervisor/src/faktory-monitor";
import { createLogger } from "../../supervisor/src/log";
import {
  freePort,
  startBareFaktory,
  startLoopbackCluster,
  waitForPrimary,
  type LoopbackCluster,
  type SupervisorHandle,
} from "../support/loopback";
import { client, sleep } from "./support/workload";

// Issue 12: /metrics on real supervisors and a real Faktory, read by a real Prometheus (Debian's
// prometheus package: `prometheus`, `promtool`) that loads the alert rules alerts.ts builds.
const PASSWORD = "e2e-metrics";
const QUEUE = "m13";
const JOBS = 37;
const LABELS = { namespace: "e2e", app_kubernetes_io_instance: "faktory" };
const SELECTOR = '{namespace="e2e",app_kubernetes_io_instance="faktory"}';
let cluster: LoopbackCluster;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fha-s13-prom-"));
  cluster = await startLoopbackCluster(3, {
    password: PASSWORD,
    quiet: true,
    prefix: "fha-s13",
    extraEnv: { FAKTORY_HA_METRICS_INTERVAL_MS: "500" },
  });
});
afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scrape(s: SupervisorHandle): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${s.ports.healthPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (`name{labels}` exactly as exposed), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Faktory's own series (faktory_*, not faktory_ha_*), help and type lines included. */
function faktoryLines(text: string): string[] {
  return text.split("\n").filter((l) => /^(# (HELP|TYPE) )?faktory_(?!ha_)/.test(l));
}

/** Scrapes until pred holds (bounded), returning the last scrape. */
async function scrapeUntil(s: SupervisorHandle, pred: (t: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let text = "";
  while (Date.now() < deadline) {
    text = await scrape(s);
    if (pred(text)) return text;
    await sleep(100);
  }
  throw new Error(`${s.id}: /metrics did not match within ${ms} ms:\n${text}`);
}

describe("faktory figures on /metrics, from the primary only", () => {
  it("the primary reports the queue; secondaries report nothing of Faktory; a failover carries it over", async () => {
    const primary = await cluster.primary();
    const secondaries = cluster.supervisors.filter((s) => s !== primary);
    // Pushed through a secondary's router, like any client.
    const c = client(secondaries[0].ports.port, PASSWORD);
    const pushedAt = Date.now();
    for (let i = 0; i < JOBS; i++) await c.push({ jobtype: "m13", queue: QUEUE, args: [i] });
    await c.close();
    expect(await cluster.redis.client.llen(QUEUE)).toBe(JOBS);

    const size = `faktory_queue_size{queue="${QUEUE}"}`;
    const text = await scrapeUntil(primary, (t) => sample(t, size) === JOBS, 10_000);
    expect(sample(text, "faktory_up")).toBe(1);
    expect(sample(text, "faktory_ha_is_primary")).toBe(1);
    expect(sample(text, 'faktory_ha_role{role="primary"}')).toBe(1);
    expect(sample(text, 'faktory_set_size{set="working"}')).toBe(0);
    expect(sample(text, "faktory_queues")).toBeGreaterThanOrEqual(1);
    const latency = sample(text, `faktory_queue_latency_seconds{queue="${QUEUE}"}`)!;
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThanOrEqual((Date.now() - pushedAt) / 1000 + 1);
    const epoch = sample(text, "faktory_ha_epoch")!;
    expect(epoch).toBeGreaterThan(0);
    const readSeconds = sample(text, "faktory_ha_faktory_info_read_seconds")!;
    console.log("scenario 13 INFO read", JSON.stringify({ ms: Math.round(readSeconds * 1000 * 10) / 10 }));

    const before = new Map<string, number>();
    for (const s of secondaries) {
      const t = await scrape(s);
      expect(faktoryLines(t), s.id).toEqual([]);
      expect(sample(t, "faktory_ha_is_primary")).toBe(0);
      expect(sample(t, 'faktory_ha_role{role="secondary"}')).toBe(1);
      expect(sample(t, "faktory_ha_epoch")).toBe(epoch);
      before.set(s.id, sample(t, "faktory_ha_failovers_total")!);
    }

    primary.proc.kill("SIGTERM");
    expect(await primary.exited).toBe(0);
    const next = await waitForPrimary(secondaries, 10_000);
    const after = await scrapeUntil(next, (t) => sample(t, size) === JOBS, 10_000);
    expect(sample(after, "faktory_up")).toBe(1);
    expect(sample(after, "faktory_ha_epoch")).toBeGreaterThan(epoch);
    expect(sample(after, "faktory_ha_failovers_total")).toBe(before.get(next.id)! + 1);
    // The oldest job is older now, on the new primary too.
    expect(sample(after, `faktory_queue_latency_seconds{queue="${QUEUE}"}`)).toBeGreaterThan(latency);
    for (const s of secondaries.filter((x) => x !== next)) {
      expect(faktoryLines(await scrape(s)), s.id).toEqual([]);
    }
    // The pod comes back (same id and ports), as Kubernetes would restart it.
    await cluster.restart(primary);
  });

  it("logs one JSON line per event, with event and id, and never the password", () => {
    const lines = cluster.supervisors.flatMap((s) => s.events);
    const names = new Set(lines.map((e) => e.event));
    for (const e of [
      "supervisor.started",
      "lease.acquired",
      "lease.promoted",
      "faktory.ready",
      "leader.changed",
    ]) {
      expect(names, e).toContain(e);
    }
    for (const e of lines) {
      expect(typeof e.id).toBe("string");
      expect(["info", "warn", "error"]).toContain(e.level);
      expect(Number.isNaN(Date.parse(String(e.t)))).toBe(false);
    }
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });
});

describe("the INFO reader on a bare Faktory", () => {
  it("reads queues, drops a read that spans a change of term, and says why a read failed", async () => {
    const f = await startBareFaktory(dir, "bare", { FAKTORY_PASSWORD: PASSWORD });
    const lines: string[] = [];
    let term: OwnTerm | null = { epoch: 1, ready: true };
    const monitor = (password: string) =>
      new FaktoryMonitor({
        host: "127.0.0.1",
        port: f.port,
        password,
        intervalMs: 60_000,
        ownTerm: () => term,
        log: createLogger("bare", (l) => lines.push(l)),
      });
    const m = monitor(PASSWORD);
    const wrong = monitor("not-the-password");
    try {
      const c = client(f.port, PASSWORD);
      for (const q of ["a", "b", "b"]) await c.push({ jobtype: "bare", queue: q, args: [] });
      await c.close();
      await m.poll();
      const first = m.reading(1)!;
      expect(first.error).toBeNull();
      expect(first.figures!.queues.map((q) => [q.queue, q.size])).toEqual([
        ["b", 2],
        ["a", 1],
      ]);
      // Five more reads: no other client is connected, and the reader's own connection is not counted.
      for (let i = 0; i < 5; i++) await m.poll();
      expect(m.reading(1)!.figures!.connections).toBe(0);

      // The term changes while a read is in flight: that read is dropped (term 1 keeps its last
      // reading, which /metrics no longer asks for; term 2 has none yet).
      const before = m.reading(1);
      const read = m.poll();
      term = { epoch: 2, ready: true };
      await read;
      expect(m.reading(1)).toBe(before);
      expect(m.reading(2)).toBeNull();
      await m.poll();
      expect(m.reading(2)!.figures!.queueCount).toBe(2);
      // Not primary: nothing.
      term = null;
      await m.poll();
      expect(m.reading(2)).toBeNull();

      term = { epoch: 3, ready: true };
      await wrong.poll();
      expect(wrong.reading(3)!.figures).toBeNull();
      expect(wrong.reading(3)!.error).toMatch(/^HELLO: -ERR/);
      await wrong.poll();
      const events = lines.map((l) => JSON.parse(l) as { event: string; error?: string });
      expect(events.filter((e) => e.event === "faktory.info_failed")).toHaveLength(1);
      expect(lines.join("")).not.toContain(PASSWORD);
    } finally {
      m.stop();
      wrong.stop();
      await f.stop();
    }
  });
});

function promtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("alert rules in promtool", () => {
  it("pass `promtool check rules` with the defaults and with short test thresholds", () => {
    for (const [name, groups] of [
      ["defaults.yml", faktoryHaAlertRules({ selector: SELECTOR })],
      [
        "short.yml",
        faktoryHaAlertRules({ selector: SELECTOR, thresholds: { noPrimaryFor: "2s" }, interval: "1s" }),
      ],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, stringify({ groups }));
      const r = promtool(["check", "rules", file]);
      expect(r.out).toContain("SUCCESS: 7 rules found");
      expect(r.code).toBe(0);
    }
  });

  it("fails `promtool check rules` on a broken expression (the check can fail)", () => {
    const [g] = faktoryHaAlertRules({ selector: SELECTOR });
    const file = join(dir, "broken.yml");
    writeFileSync(file, stringify({ groups: [{ ...g, rules: [{ ...g.rules[0], expr: "sum(" }] }] }));
    expect(promtool(["check", "rules", file]).code).not.toBe(0);
  });

  // Each alert on synthetic series, evaluated by Prometheus's own rule engine (`promtool test rules`).
  const pod = (p: string, extra = "") =>
    `{namespace="e2e",app_kubernetes_io_instance="faktory",pod="${p}"${extra ? "," + extra : ""}}`;
  /** Labels of a firing alert besides alertname and severity (those of the series, if not aggregated). */
  const podLabels = (p: string, extra: Record<string, string> = {}) => ({ ...LABELS, pod: p, ...extra });
  type Case = [
    AlertName,
    string,
    [series: string, values: string][],
    [at: string, fires: boolean][],
    Record<string, string>?,
  ];
  const cases: Case[] = [
    [
      "FaktoryHANoPrimary",
      "a primary, then none for 30 s",
      [
        [`faktory_ha_is_primary${pod("a")}`, "1 1 1 0 0 0 0 0"],
        [`faktory_ha_is_primary${pod("b")}`, "0 0 0 0 0 0 0 0"],
      ],
      [
        ["30s", false],
        ["60s", false],
        ["90s", true],
      ],
    ],
    [
      "FaktoryHANoPrimary",
      "every pod down (no series at all)",
      [[`faktory_ha_is_primary${pod("a")}`, "1 1 stale"]],
      [
        ["15s", false],
        ["90s", true],
      ],
    ],
    [
      "FaktoryHAMultiplePrimaries",
      "one scrape of overlap is not two primaries; 45 s are",
      [
        [`faktory_ha_is_primary${pod("a")}`, "1 1 0 0 1 1 1 1 1"],
        [`faktory_ha_is_primary${pod("b")}`, "0 1 1 1 1 1 1 1 1"],
      ],
      [
        ["30s", false],
        ["120s", true],
      ],
    ],
    [
      "FaktoryHAFailoverFlapping",
      "three new epochs within 15 min; -1 (none known) is not a change",
      [
        [`faktory_ha_epoch${pod("a")}`, "4 -1 4 4 5 5 6 6 7 7 7 7"],
        [`faktory_ha_epoch${pod("b")}`, "4 -1 4 4 5 5 6 6 7 7 7 7"],
      ],
      [
        ["45s", false],
        ["100s", false],
        ["120s", true],
      ],
    ],
    [
      "FaktoryHARedisUnreachable",
      "one pod cut off for a minute",
      [
        [`faktory_ha_redis_up${pod("a")}`, "1x12"],
        [`faktory_ha_redis_up${pod("b")}`, "1 1 0 0 0 0 0 0 0 0 0 0"],
      ],
      [
        ["45s", false],
        ["120s", true],
      ],
      podLabels("b"),
    ],
    [
      "FaktoryHAQueueLatencyHigh",
      "oldest job older than 300 s for 5 min",
      [[`faktory_queue_latency_seconds${pod("a", 'queue="q"')}`, "0+30x40"]],
      [
        ["5m", false],
        ["16m", true],
      ],
      { queue: "q" },
    ],
    [
      "FaktoryHADeadSetGrowing",
      "dead set grows across a failover (series of two pods)",
      [
        [`faktory_set_size${pod("a", 'set="dead"')}`, "3x100 stale"],
        [`faktory_set_size${pod("b", 'set="dead"')}`, "_x100 4x40"],
      ],
      [
        ["20m", false],
        ["49m", false],
        ["52m", true],
      ],
    ],
    [
      "FaktoryHAFaktoryDown",
      "the primary's Faktory silent for a minute",
      [[`faktory_up${pod("a")}`, "1 1 0 0 0 0 0 0 0"]],
      [
        ["45s", false],
        ["105s", true],
      ],
      podLabels("a"),
    ],
  ];
  it.each(cases)("%s: %s", (alert, _what, input, checks, labels = {}) => {
    // Expressions, hold times and labels as built; annotations (templates checked above) left out,
    // since promtool compares them verbatim.
    const [group] = faktoryHaAlertRules({ selector: SELECTOR, interval: "15s" });
    const rules = group.rules.map(({ annotations: _a, ...r }) => r);
    const rulesFile = join(dir, `unit-rules-${alert}.yml`);
    writeFileSync(rulesFile, stringify({ groups: [{ ...group, rules }] }));
    const severity = rules.find((r) => r.alert === alert)!.labels.severity;
    const slow = alert === "FaktoryHAQueueLatencyHigh" || alert === "FaktoryHADeadSetGrowing";
    const testFile = join(dir, `unit-${alert}.yml`);
    writeFileSync(
      testFile,
      stringify({
        rule_files: [rulesFile],
        evaluation_interval: "15s",
        tests: [
          {
            interval: slow ? "30s" : "15s",
            input_series: input.map(([series, values]) => ({ series, values })),
            alert_rule_test: checks.map(([at, fires]) => ({
              eval_time: at,
              alertname: alert,
              exp_alerts: fires ? [{ exp_labels: { severity, ...labels } }] : [],
            })),
          },
        ],
      }),
    );
    const r = promtool(["test", "rules", testFile]);
    expect(r.out).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});

interface PromAlert {
  readonly labels: Record<string, string>;
  readonly state: "pending" | "firing";
}

/** A real Prometheus on a free loopback port, scraping the three supervisors every second. */
class TestPrometheus {
  readonly output: string[] = [];
  /** Every alert name seen firing, for "never fired" checks. */
  readonly everFiring = new Set<string>();
  private constructor(
    readonly proc: ChildProcess,
    readonly base: string,
  ) {}

  static async start(targets: readonly SupervisorHandle[]): Promise<TestPrometheus> {
    const groups = faktoryHaAlertRules({
      selector: SELECTOR,
      interval: "1s",
      thresholds: {
        noPrimaryFor: "2s",
        multiplePrimariesFor: "3s",
        redisUnreachableFor: "2s",
        faktoryDownFor: "2s",
      },
    });
    const rules = join(dir, "live-rules.yml");
    writeFileSync(rules, stringify({ groups }));
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      stringify({
        global: { scrape_interval: "1s", scrape_timeout: "800ms", evaluation_interval: "1s" },
        rule_files: [rules],
        scrape_configs: [
          {
            job_name: "faktory-ha",
            static_configs: targets.map((s) => ({
              targets: [`127.0.0.1:${s.ports.healthPort}`],
              labels: { ...LABELS, pod: s.id },
            })),
          },
        ],
      }),
    );
    const check = promtool(["check", "config", config]);
    expect(check.out).toContain("SUCCESS");
    const port = await freePort();
    const proc = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const p = new TestPrometheus(proc, `http://127.0.0.1:${port}`);
    const keep = (d: Buffer) => p.output.push(...d.toString().split("\n").filter(Boolean));
    proc.stdout!.on("data", keep);
    proc.stderr!.on("data", keep);
    await p.until("Prometheus ready", async () => (await fetch(`${p.base}/-/ready`)).status === 200, 15_000);
    return p;
  }

  async api<T>(path: string): Promise<{ status: string; data: T; error?: string }> {
    const res = await fetch(`${this.base}/api/v1/${path}`);
    return (await res.json()) as { status: string; data: T; error?: string };
  }

  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const r = await this.api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `query?query=${encodeURIComponent(expr)}`,
    );
    if (r.status !== "success") throw new Error(`${expr}: ${r.error}`);
    return r.data.result;
  }

  async alerts(): Promise<PromAlert[]> {
    const r = await this.api<{ alerts: PromAlert[] }>("alerts");
    for (const a of r.data.alerts) if (a.state === "firing") this.everFiring.add(a.labels.alertname);
    return r.data.alerts;
  }

  async firing(name: AlertName): Promise<boolean> {
    return (await this.alerts()).some((a) => a.labels.alertname === name && a.state === "firing");
  }

  async active(name: AlertName): Promise<boolean> {
    return (await this.alerts()).some((a) => a.labels.alertname === name);
  }

  /** Polls pred every 250 ms until it holds; returns the time it took. */
  async until(what: string, pred: () => Promise<boolean>, ms: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      try {
        if (await pred()) return Date.now() - t0;
      } catch {
        // not up yet
      }
      await sleep(250);
    }
    throw new Error(`${what}: not within ${ms} ms; prometheus said:\n${this.output.slice(-20).join("\n")}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

function redisPid(info: string): number {
  return Number(/process_id:(\d+)/.exec(info)![1]);
}

describe("a real Prometheus with the alert rules", () => {
  let prom: TestPrometheus | null = null;
  afterAll(async () => {
    await prom?.stop();
  });

  it("scrapes every pod, parses the dashboard, fires and resolves the alerts on real faults", async () => {
    await cluster.primary();
    const sups = [...cluster.supervisors];
    prom = await TestPrometheus.start(sups);
    const p = prom;
    const sel = SELECTOR.slice(1, -1);
    const timings: Record<string, number> = {};

    // Healthy: three targets, one primary, the queue counted once.
    timings.scraped = await p.until(
      "three pods scraped, one primary",
      async () =>
        (await p.query(`count(up{${sel}} == 1)`))[0]?.value[1] === "3" &&
        (await p.query(`sum(faktory_ha_is_primary{${sel}})`))[0]?.value[1] === "1" &&
        (await p.query(`faktory_queue_size{${sel},queue="${QUEUE}"}`)).length === 1,
      20_000,
    );
    const q = await p.query(`sum(faktory_queue_size{${sel},queue="${QUEUE}"})`);
    expect(q[0].value[1]).toBe(String(JOBS));
    // Pending only until the first scrapes are evaluated (before them, no series is no primary).
    await p.until("no alert while healthy", async () => (await p.alerts()).length === 0, 10_000);

    // Every dashboard expression parses and runs ($__rate_interval is Grafana's: 1m here).
    const exprs = dashboardExpressions(faktoryHaDashboard({ selector: SELECTOR }));
    for (const e of exprs) {
      const r = await p.api<unknown>(
        `query?query=${encodeURIComponent(e.replaceAll("$__rate_interval", "1m"))}`,
      );
      expect(r.error, e).toBeUndefined();
      expect(r.status, e).toBe("success");
    }
    expect((await p.query(exprs[0].replaceAll("$__rate_interval", "1m"))).length).toBe(3);
    // And a broken one does not (the check can fail).
    expect((await p.api<unknown>(`query?query=${encodeURIComponent("sum(faktory_up")}`)).status).toBe(
      "error",
    );

    // 1. Redis unreachable for every pod (redis-server frozen): the primary fences itself, no pod is
    // primary, every pod says so on /metrics.
    const pid = redisPid(await cluster.redis.client.info("server"));
    process.kill(pid, "SIGSTOP");
    try {
      timings.noPrimaryFired = await p.until("NoPrimary fires", () => p.firing("FaktoryHANoPrimary"), 20_000);
      await p.until("RedisUnreachable fires", () => p.firing("FaktoryHARedisUnreachable"), 10_000);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await waitForPrimary(cluster.supervisors, 20_000);
    timings.noPrimaryResolved = await p.until(
      "NoPrimary resolves after a takeover",
      async () => !(await p.active("FaktoryHANoPrimary")),
      20_000,
    );
    await p.until(
      "RedisUnreachable resolves",
      async () => !(await p.active("FaktoryHARedisUnreachable")),
      10_000,
    );

    // 2. The primary's Faktory hangs (SIGSTOP of Faktory alone): its INFO times out.
    const primary = await cluster.primary();
    // This pod may have logged a failed read already in step 1 (Faktory's INFO waits on the frozen
    // Redis); count only the events of this step.
    const seen = primary.events.length;
    const fpid = Number(((await primary.status()).faktory as { pid: number }).pid);
    process.kill(fpid, "SIGSTOP");
    try {
      timings.faktoryDownFired = await p.until(
        "FaktoryDown fires",
        () => p.firing("FaktoryHAFaktoryDown"),
        20_000,
      );
      const down = await p.query(`faktory_up{${sel}}`);
      expect(down.map((r) => [r.metric.pod, r.value[1]])).toEqual([[primary.id, "0"]]);
    } finally {
      process.kill(fpid, "SIGCONT");
    }
    await p.until("FaktoryDown resolves", async () => !(await p.active("FaktoryHAFaktoryDown")), 20_000);
    // One event per change: the read failed, then recovered.
    const failed = await primary.waitFor((e) => e.event === "faktory.info_failed", 1000, seen);
    expect(String(failed.error)).toContain("no INFO within");
    await primary.waitFor((e) => e.event === "faktory.info_recovered", 5000, seen);
    expect(primary.events.slice(seen).filter((e) => e.event === "faktory.info_failed")).toHaveLength(1);

    // 3. Every pod gone: the primary killed, the others frozen. No series at all is no primary too.
    const others = cluster.supervisors.filter((s) => s !== primary);
    primary.signalGroup("SIGKILL");
    for (const s of others) s.signalGroup("SIGSTOP");
    try {
      timings.allDownFired = await p.until(
        "NoPrimary fires with every pod down",
        () => p.firing("FaktoryHANoPrimary"),
        20_000,
      );
    } finally {
      for (const s of others) s.signalGroup("SIGCONT");
    }
    await waitForPrimary(others, 20_000);
    timings.allDownResolved = await p.until(
      "NoPrimary resolves after a takeover",
      async () => !(await p.active("FaktoryHANoPrimary")),
      20_000,
    );
    expect((await p.query(`sum(faktory_ha_is_primary{${sel}})`))[0].value[1]).toBe("1");

    // Never two primaries, through all of it.
    expect([...p.everFiring]).not.toContain("FaktoryHAMultiplePrimaries");
    expect([...p.everFiring]).toEqual(
      expect.arrayContaining(["FaktoryHANoPrimary", "FaktoryHARedisUnreachable", "FaktoryHAFaktoryDown"]),
    );
    console.log("scenario 13 prometheus", JSON.stringify(timings));
  });
});
