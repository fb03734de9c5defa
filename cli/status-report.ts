// What `faktory-ha status` makes of every pod's /status: which pod is primary, since when, at which
// epoch, each pod's role and Redis health, and the primary's queues. Pure: the command fetches.
import { textTable } from "./text-table";

/** One pod as the Kubernetes API lists it, and what its /status answered (or why it did not). */
export interface PodAnswer {
  readonly pod: string;
  readonly phase: string;
  /** The parsed /status JSON, or null when the pod did not answer. */
  readonly status: Record<string, unknown> | null;
  /** Why there is no status (the API server's or the proxy's words). */
  readonly error?: string;
}

export interface QueueLine {
  readonly queue: string;
  readonly size: number;
  readonly latencySeconds: number | null;
}

export interface PodLine {
  readonly pod: string;
  readonly phase: string;
  readonly role: string;
  readonly epoch: number | null;
  readonly redisOk: boolean | null;
  readonly faktoryReady: boolean | null;
  readonly failovers: number | null;
  readonly reason: string;
}

export interface StatusReport {
  readonly namespace: string;
  readonly primary: {
    readonly pod: string;
    readonly epoch: number | null;
    /** When its term began (ms since the epoch, by its clock), and how long ago that was. */
    readonly since: number | null;
    readonly forMs: number | null;
    /** The Faktory release it serves, from its latest read of Faktory's INFO. */
    readonly faktoryVersion: string | null;
  } | null;
  /** Handovers the pods have seen as primary, summed over the pods answering (each counts its own). */
  readonly failovers: number;
  readonly pods: readonly PodLine[];
  readonly queues: readonly QueueLine[] | null;
  readonly sets: Readonly<Record<string, number>> | null;
  /** Problems worth a word: several primaries, pods not answering, Redis unreachable. */
  readonly problems: readonly string[];
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
/** `since` as /status gives it (an ISO time), in ms since the epoch. */
const timeMs = (v: unknown): number | null => {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : null;
};
const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function podLine(a: PodAnswer): PodLine {
  const s = a.status;
  const redis = obj(s?.redis);
  const faktory = obj(s?.faktory);
  return {
    pod: a.pod,
    phase: a.phase,
    role: typeof s?.role === "string" ? s.role : "unknown",
    epoch: num(s?.epoch),
    redisOk: typeof redis?.ok === "boolean" ? redis.ok : null,
    faktoryReady: typeof faktory?.ready === "boolean" ? faktory.ready : null,
    failovers: num(s?.failovers),
    reason: s ? (typeof s.reason === "string" ? s.reason : "") : `no answer: ${a.error ?? "unknown error"}`,
  };
}

function queuesOf(status: Record<string, unknown> | null): QueueLine[] | null {
  const jobs = obj(status?.jobs);
  if (!jobs || !Array.isArray(jobs.queues)) return null;
  return jobs.queues.flatMap((q: unknown) => {
    const o = obj(q);
    if (!o || typeof o.queue !== "string") return [];
    return [{ queue: o.queue, size: num(o.size) ?? 0, latencySeconds: num(o.latencySeconds) }];
  });
}

export function statusReport(namespace: string, answers: readonly PodAnswer[], now: number): StatusReport {
  const pods = answers.map(podLine);
  const primaries = answers.filter((a) => a.status?.role === "primary");
  const problems: string[] = [];
  if (primaries.length > 1) {
    problems.push(`${primaries.length} pods say they are primary: ${primaries.map((p) => p.pod).join(", ")}`);
  }
  for (const p of pods) {
    if (p.role === "unknown") problems.push(`${p.pod} (${p.phase}): ${p.reason}`);
    // The reason already says "Redis unreachable: …" when the supervisor knows why.
    else if (p.redisOk === false)
      problems.push(
        `${p.pod}: ${p.reason.startsWith("Redis unreachable") ? p.reason : `Redis unreachable: ${p.reason}`}`,
      );
  }
  // The highest epoch wins: a stale primary (cut off, fencing itself) has an older one.
  const primary = [...primaries].sort((a, b) => (num(b.status?.epoch) ?? 0) - (num(a.status?.epoch) ?? 0))[0];
  const since = timeMs(primary?.status?.since);
  const jobs = obj(primary?.status?.jobs);
  const sets = obj(jobs?.sets);
  return {
    namespace,
    primary: primary
      ? {
          pod: primary.pod,
          epoch: num(primary.status?.epoch),
          since,
          forMs: since === null ? null : Math.max(0, now - since),
          faktoryVersion: typeof jobs?.version === "string" ? jobs.version : null,
        }
      : null,
    failovers: pods.reduce((sum, p) => sum + (p.failovers ?? 0), 0),
    pods,
    queues: primary ? queuesOf(primary.status) : null,
    sets: sets
      ? Object.fromEntries(Object.entries(sets).flatMap(([k, v]) => (num(v) === null ? [] : [[k, num(v)!]])))
      : null,
    problems,
  };
}

/** 2h 3m, 4m 5s, 6.7 s. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? "-" : v ? yes : no);

export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  out.push(
    r.primary
      ? `primary ${r.primary.pod}, epoch ${r.primary.epoch ?? "?"}` +
          (r.primary.forMs === null ? "" : `, for ${duration(r.primary.forMs)}`) +
          (r.primary.faktoryVersion === null ? "" : `, Faktory ${r.primary.faktoryVersion}`) +
          ` (namespace ${r.namespace}; ${r.failovers} failover(s) seen by these pods)`
      : `no primary in namespace ${r.namespace}: enqueueing fails until one takes over`,
  );
  out.push("");
  out.push(
    textTable([
      ["POD", "PHASE", "ROLE", "EPOCH", "REDIS", "FAKTORY", "REASON"],
      ...r.pods.map((p) => [
        p.pod,
        p.phase,
        p.role,
        p.epoch === null ? "-" : String(p.epoch),
        yesNo(p.redisOk, "ok", "down"),
        p.role === "primary" ? yesNo(p.faktoryReady, "ready", "starting") : "-",
        p.reason,
      ]),
    ]),
  );
  if (r.queues) {
    out.push("");
    out.push(
      r.queues.length === 0
        ? "no queues"
        : textTable([
            ["QUEUE", "SIZE", "LATENCY"],
            ...r.queues.map((q) => [
              q.queue,
              String(q.size),
              q.latencySeconds === null ? "-" : duration(q.latencySeconds * 1000),
            ]),
          ]),
    );
  }
  if (r.sets) {
    out.push("");
    out.push(
      `sets: ${Object.entries(r.sets)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  }
  for (const p of r.problems) out.push(`warning: ${p}`);
  return `${out.join("\n")}\n`;
}
