/**
 * Local sandbox: a redis-server, three supervisors and OSS Faktory on loopback, plus a small producer
 * and worker so you can watch jobs keep flowing while you kill the primary.
 *
 *   npm run sandbox        then type a command and Enter:
 *     k  SIGKILL the primary pod (supervisor + Faktory)     t  SIGTERM the primary (planned)
 *     f  freeze / thaw the primary pod (SIGSTOP / SIGCONT)   r  restart pods that are down
 *     s  print every pod's /status                           q  quit
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "faktory-worker";
import {
  REPO_ROOT,
  startRedis,
  startSupervisor,
  type SupervisorOptions,
  type SupervisorHandle,
  type SupervisorPorts,
} from "../test/support/loopback";

const PASSWORD = "sandbox";
const BASE_PORT = Number(process.env.SANDBOX_BASE_PORT ?? 27400);

function portsOf(i: number): SupervisorPorts {
  const b = BASE_PORT + i * 10;
  return { port: b, webPort: b + 1, healthPort: b + 2, internalPort: b + 3, internalWebPort: b + 4 };
}

async function main(): Promise<void> {
  const dir = join(REPO_ROOT, ".sandbox", String(Date.now()));
  mkdirSync(dir, { recursive: true });
  const redis = await startRedis(dir);
  const options: SupervisorOptions = {
    redisUrl: redis.url,
    baseDir: dir,
    password: PASSWORD,
    quiet: true,
    ttlMs: Number(process.env.FAKTORY_HA_LEASE_TTL_MS ?? 5000),
    renewIntervalMs: Number(process.env.FAKTORY_HA_RENEW_INTERVAL_MS ?? 750),
    renewDeadlineMs: Number(process.env.FAKTORY_HA_RENEW_DEADLINE_MS ?? 2000),
    pollMs: Number(process.env.FAKTORY_HA_POLL_MS ?? 250),
    stopTimeoutMs: 1000,
  };
  const pods: SupervisorHandle[] = [];
  for (let i = 0; i < 3; i++) pods.push(await startSupervisor(`sandbox-${i}`, options, portsOf(i)));
  const frozen = new Set<string>();

  console.log(`Redis ${redis.url}   data in ${dir}   Faktory password: ${PASSWORD}`);
  for (const p of pods) {
    console.log(
      `${p.id}: faktory tcp://:${PASSWORD}@127.0.0.1:${p.ports.port}  web http://127.0.0.1:${p.ports.webPort}  status http://127.0.0.1:${p.ports.healthPort}/status`,
    );
  }
  console.log(
    "commands: k=kill primary  t=SIGTERM primary  f=freeze/thaw primary  r=restart  s=status  q=quit\n",
  );

  // A little traffic through every router in turn.
  const stats = { pushed: 0, ran: 0, pushErrors: 0 };
  const clients = pods.map((p) => {
    const c = new Client({
      host: "127.0.0.1",
      port: p.ports.port,
      password: PASSWORD,
      poolSize: 2,
      wid: `sandbox-w-${p.id}`,
    });
    c.connectionFactory.onConnectionError = () => undefined;
    c.pool.removeAllListeners("factoryCreateError");
    c.pool.on("factoryCreateError", () => undefined);
    return c;
  });
  let running = true;
  let turn = 0;
  // Like a load balancer with health checks: only routers of pods that are up get traffic, and an
  // operation stuck on a pod that just went away is abandoned after a while.
  const live = () => {
    const up = pods.flatMap((p, i) =>
      p.proc.exitCode === null && p.proc.signalCode === null && !frozen.has(p.id) ? [i] : [],
    );
    return clients[up.length ? up[turn++ % up.length] : turn++ % clients.length];
  };
  const within = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error("timeout")), 5000))]);
  const traffic = (async () => {
    while (running) {
      try {
        await within(live().push({ jobtype: "sandbox", queue: "sandbox", args: [turn] }));
        stats.pushed++;
        const job = await within(live().fetch("sandbox"));
        if (job) {
          await within(live().ack(job.jid));
          stats.ran++;
        }
      } catch {
        stats.pushErrors++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const primary = async (): Promise<SupervisorHandle | undefined> => {
    for (const p of pods) {
      if (frozen.has(p.id) || p.proc.exitCode !== null || p.proc.signalCode !== null) continue;
      try {
        if ((await p.status()).role === "primary") return p;
      } catch {
        // down
      }
    }
    return undefined;
  };
  const line = async () => {
    const parts: string[] = [];
    for (const p of pods) {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) parts.push(`${p.id}: down`);
      else if (frozen.has(p.id)) parts.push(`${p.id}: FROZEN`);
      else {
        try {
          const s = await Promise.race([
            p.status(),
            new Promise<never>((_, rej) => setTimeout(() => rej(new Error()), 300)),
          ]);
          parts.push(`${p.id}: ${String(s.role).padEnd(9)} epoch ${String(s.epoch)}`);
        } catch {
          parts.push(`${p.id}: ?`);
        }
      }
    }
    const t = new Date().toISOString().slice(11, 19);
    console.log(
      `${t}  ${parts.join(" | ")}  || pushed ${stats.pushed} ran ${stats.ran} push errors ${stats.pushErrors}`,
    );
  };
  const ticker = setInterval(() => void line(), 1000);

  const rl = createInterface({ input: process.stdin });
  const quit = async () => {
    running = false;
    clearInterval(ticker);
    rl.close();
    await traffic;
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const p of pods) {
      p.signalGroup("SIGCONT");
      p.signalGroup("SIGKILL");
    }
    await redis.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void quit());
  rl.on("line", (input) => {
    void (async () => {
      const cmd = input.trim();
      if (cmd === "q") return quit();
      if (cmd === "s") {
        for (const p of pods) {
          if (p.proc.exitCode === null && !frozen.has(p.id))
            console.log(JSON.stringify(await p.status().catch(() => null)));
        }
        return;
      }
      if (cmd === "r") {
        for (let i = 0; i < pods.length; i++) {
          const p = pods[i];
          if (p.proc.exitCode !== null || p.proc.signalCode !== null) {
            pods[i] = await startSupervisor(p.id, options, p.ports);
            console.log(`restarted ${p.id}`);
          }
        }
        return;
      }
      if (cmd === "f") {
        const thaw = pods.find((p) => frozen.has(p.id));
        if (thaw) {
          thaw.signalGroup("SIGCONT");
          frozen.delete(thaw.id);
          console.log(`thawed ${thaw.id}: it must stop its Faktory at once (watch its role)`);
          return;
        }
      }
      const p = await primary();
      if (!p) return console.log("no primary right now");
      if (cmd === "k") {
        p.signalGroup("SIGKILL");
        console.log(`killed ${p.id}; a standby takes over after the lease ttl (${options.ttlMs} ms)`);
      } else if (cmd === "t") {
        p.proc.kill("SIGTERM");
        console.log(`SIGTERM to ${p.id}; it hands over at once`);
      } else if (cmd === "f") {
        p.signalGroup("SIGSTOP");
        frozen.add(p.id);
        console.log(`froze ${p.id}; type f again to thaw it`);
      }
    })();
  });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
