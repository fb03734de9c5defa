/** A real redis-server on a free loopback port, shared by every pod of a loopback cluster. */
import { spawn } from "node:child_process";
import { delimiter } from "node:path";
import { Redis } from "ioredis";
import { SUPERVISOR_INTS } from "../../../components/contract/supervisor";
import { redisServerBin, SHARED_REDIS_BIN } from "./binaries";
import { freePort } from "./free-port";
import { sleep } from "./timers";

/** The Redis database the supervisors keep their lease in (Faktory's data is in database 0). */
export const LEASE_DATABASE = SUPERVISOR_INTS.database.default;

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * The name of the test harness's own Redis connections. Named: a new lease holder closes the unnamed
 * (Faktory's) connections of its predecessor's host, which on loopback is the harness's too.
 */
export const HARNESS_CLIENT_NAME = "e2e-harness";

/** A harness connection to a redis-server just spawned on port, once it answers PING. */
export async function harnessClient(port: number, what: string): Promise<Redis> {
  const client = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectionName: HARNESS_CLIENT_NAME,
  });
  client.on("error", () => undefined);
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch {
      if (i > 100) throw new Error(`${what} did not start on port ${port}`);
      client.disconnect();
      await sleep(50);
    }
  }
}

export async function startRedis(dir: string): Promise<RunningRedis> {
  const port = await freePort();
  const proc = spawn(
    redisServerBin(),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const client = await harnessClient(port, "redis-server");
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    stop: async () => {
      client.disconnect();
      proc.kill("SIGKILL");
      await new Promise((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once("exit", r),
      );
    },
  };
}

/** The environment that puts an open-source Faktory on a shared Redis (see shared-redis-bin). */
export function sharedRedisEnv(redis: RunningRedis): NodeJS.ProcessEnv {
  return { PATH: `${SHARED_REDIS_BIN}${delimiter}${process.env.PATH}`, REDIS_URL: redis.url };
}
