import { cpus, totalmem } from "node:os";
import { Client } from "faktory-worker";

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model,
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    note: "shared machine: other work ran at the same time; compare medians",
  };
}

export function quiet(c: Client): Client {
  c.connectionFactory.onConnectionError = () => undefined;
  c.pool.removeAllListeners("factoryCreateError");
  c.pool.on("factoryCreateError", () => undefined);
  return c;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
