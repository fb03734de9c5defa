import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  faktoryBin,
  freePort,
  startLoopbackCluster,
  startSupervisor,
  supervisorBundle,
  type LoopbackCluster,
} from "../support/loopback";
import { sleep } from "./support/workload";

// The supervisor's own duties, on the real binary: config errors, Redis down, Faktory dying unasked,
// SIGHUP on config change.
let cluster: LoopbackCluster;
beforeAll(async () => {
  cluster = await startLoopbackCluster(1, { quiet: true, prefix: "fha-s6", ttlMs: 3000 });
});
afterAll(async () => {
  await cluster?.stop();
});

function runBundle(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [supervisorBundle(), ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("supervisor process", () => {
  it("exits non-zero with a message naming the variable on a bad value", async () => {
    const r = await runBundle({ REDIS_URL: "redis://127.0.0.1:1", FAKTORY_HA_RENEW_DEADLINE_MS: "20000" }, [
      "--",
      "faktory",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "configuration error: lease timings must satisfy FAKTORY_HA_RENEW_INTERVAL_MS (1000) < FAKTORY_HA_RENEW_DEADLINE_MS (20000) < FAKTORY_HA_LEASE_TTL_MS (10000)",
    );
    const missing = await runBundle({}, ["--", "faktory"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("REDIS_URL is required");
  });

  it("stays a secondary while Redis is unreachable and says why, without leaking the password", async () => {
    const deadPort = await freePort();
    const sup = await startSupervisor("no-redis", {
      ...cluster.options,
      redisUrl: `redis://:hunter2@127.0.0.1:${deadPort}`,
    });
    try {
      await sleep(1500);
      const status = await sup.status();
      expect(status.role).toBe("secondary");
      expect(String(status.reason)).toMatch(/^Redis unreachable: /);
      expect(status.redis).toMatchObject({ ok: false, url: `redis://:***@127.0.0.1:${deadPort}` });
      const base = `http://127.0.0.1:${sup.ports.healthPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      expect(sup.proc.exitCode).toBeNull();
      const everything =
        JSON.stringify(status) + sup.events.map((e) => JSON.stringify(e)).join("") + sup.output.join("");
      expect(everything).not.toContain("hunter2");
    } finally {
      sup.proc.kill("SIGTERM");
      expect(await sup.exited).toBe(0);
    }
  });

  it("shows Redis's own words for a wrong password on /status, without the password", async () => {
    const guardedPort = await freePort();
    const guarded = spawn(
      "redis-server",
      ["--port", String(guardedPort), "--bind", "127.0.0.1", "--save", "", "--requirepass", "the-right-one"],
      { stdio: "ignore" },
    );
    const sup = await startSupervisor("wrong-password", {
      ...cluster.options,
      redisUrl: `redis://:not-the-password@127.0.0.1:${guardedPort}`,
    });
    try {
      let status: Record<string, unknown> = {};
      for (
        let i = 0;
        i < 50 && !String((status.redis as { error?: string })?.error).startsWith("WRONGPASS");
        i++
      ) {
        await sleep(100);
        status = await sup.status();
      }
      expect(status.redis).toMatchObject({ ok: false });
      expect(String((status.redis as { error: string }).error)).toMatch(
        /^WRONGPASS invalid username-password pair/,
      );
      expect(String(status.reason)).toMatch(/^Redis unreachable: WRONGPASS/);
      const everything = JSON.stringify(status) + sup.events.map((e) => JSON.stringify(e)).join("");
      expect(everything).not.toContain("not-the-password");
    } finally {
      sup.proc.kill("SIGTERM");
      await sup.exited;
      guarded.kill("SIGKILL");
    }
  });

  it("rejects a misspelt FAKTORY_HA_ variable, naming the one it resembles", async () => {
    const r = await runBundle({ REDIS_URL: "redis://127.0.0.1:1", FAKTORY_HA_LEASE_TTL: "3000" }, [
      "--",
      "faktory",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'configuration error: FAKTORY_HA_LEASE_TTL="3000" is not a faktory-ha variable: did you mean FAKTORY_HA_LEASE_TTL_MS?',
    );
  });

  it("ends the term when Faktory dies unasked; alone, it takes a new term after a short holdoff", async () => {
    const primary = await cluster.primary();
    const before = await primary.status();
    const pid = (before.faktory as { pid: number }).pid;
    const from = primary.events.length;
    process.kill(pid, "SIGKILL");
    const exit = await primary.waitFor((e) => e.event === "faktory.unexpected_exit", 5_000, from);
    expect(exit).toMatchObject({ epoch: before.epoch, consecutive: 1, holdoffMs: 250 });
    await primary.waitFor((e) => e.event === "lease.demoted" && e.reason === "exited", 5_000, from);
    // One term, one Faktory process: the replacement runs under the next epoch, started on this pod's
    // own stop announcement (no fence or ttl wait).
    const ready = await primary.waitFor((e) => e.event === "faktory.ready", 10_000, from);
    expect(ready.pid).not.toBe(pid);
    expect(ready.epoch).toBe((before.epoch as number) + 1);
    expect((ready.at as number) - (exit.at as number)).toBeLessThan(3_000);
    expect(primary.events.slice(from).some((e) => e.event === "faktory.restart_scheduled")).toBe(false);
    const after = await primary.status();
    expect(after.role).toBe("primary");
    expect(after.epoch).toBe((before.epoch as number) + 1);
    expect((after.faktory as { unexpectedExits: number }).unexpectedExits).toBe(1);
  });

  it("sends SIGHUP to Faktory when the watched config directory changes", async () => {
    const primary = await cluster.primary();
    const from = primary.events.length;
    const outFrom = primary.output.length;
    // An unparseable file makes Faktory say, at warn level, that it tried to reload.
    writeFileSync(
      join(cluster.options.baseDir, primary.id, "conf", "conf.d", "cron.toml"),
      "[[cron]\nnot toml",
    );
    await primary.waitFor((e) => e.event === "faktory.reload", 5_000, from);
    const deadline = Date.now() + 5000;
    while (
      Date.now() < deadline &&
      !primary.output.slice(outFrom).some((l) => l.includes("Unable to reload config"))
    ) {
      await sleep(100);
    }
    expect(primary.output.slice(outFrom).some((l) => l.includes("Unable to reload config"))).toBe(true);
    // Still the same Faktory: a reload, not a restart or failover.
    expect(primary.events.slice(from).some((e) => e.event === "faktory.spawned")).toBe(false);
  });

  it("finds the Faktory binary or says how to get it", () => {
    expect(faktoryBin()).toMatch(/faktory$/);
  });
});
