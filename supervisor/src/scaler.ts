import {
  QUEUE_NAME_PATTERN,
  SCALER,
  type ScalerQueue,
  type ScalerReply,
  type UnknownReply,
} from "../../components/contract/scaler";
import type { FaktoryReading } from "./faktory-monitor";

/**
 * The scaler endpoint's answers (components/contract/scaler.ts): the primary's latest reading of its Faktory,
 * for the queues a worker Deployment serves. Built from the figures the primary reads for /metrics anyway, so
 * KEDA's polls cost Faktory nothing.
 */

export interface ScalerQuery {
  readonly queues: readonly string[];
  /** Sent by a standby on behalf of KEDA: answer, never forward again. */
  readonly forwarded: boolean;
}

export interface ScalerAnswer {
  readonly code: 200 | 400 | 503;
  readonly body: ScalerReply | UnknownReply | { readonly error: string };
}

/** The query string's queues (comma-separated, at least one, each a valid name) or a message saying what is wrong. */
export function parseScalerQuery(params: URLSearchParams): ScalerQuery | string {
  const raw = params.get(SCALER.queuesParam);
  if (raw === null || raw === "") return `${SCALER.queuesParam} is required: comma-separated queue names`;
  const queues = [...new Set(raw.split(","))];
  const bad = queues.find((q) => !QUEUE_NAME_PATTERN.test(q));
  if (bad !== undefined)
    return `${SCALER.queuesParam} has ${JSON.stringify(bad)}: allowed 1 to 100 of letters, digits, ".", "_", "-", ":"`;
  if (queues.length > SCALER.maxQueues)
    return `${SCALER.queuesParam} names ${queues.length} queues: allowed at most ${SCALER.maxQueues}`;
  return { queues, forwarded: params.get(SCALER.forwardedParam) === "1" };
}

export const unknownAnswer = (reason: string): ScalerAnswer => ({
  code: 503,
  body: { state: "unknown", reason },
});

/**
 * The primary's answer from its latest reading of its own Faktory. Unknown while Faktory has not answered in
 * this term, or its figures are older than `staleMs`: a number then would be a guess, and 0 would scale the
 * workers away.
 */
export function primaryAnswer(
  term: { readonly id: string; readonly epoch: number },
  reading: FaktoryReading | null,
  queues: readonly string[],
  staleMs: number,
  now: number,
): ScalerAnswer {
  if (!reading?.figures)
    return unknownAnswer(`primary ${term.id}: ${reading?.error ?? "Faktory not read yet"}`);
  const ageMs = now - reading.at;
  if (ageMs > staleMs) return unknownAnswer(`primary ${term.id}: Faktory's figures are ${ageMs} ms old`);
  const per: Record<string, ScalerQueue> = {};
  let backlog = 0;
  let latency = 0;
  for (const q of queues) {
    const f = reading.figures.byQueue.get(q);
    // A queue Faktory does not list has no job waiting.
    const size = f?.size ?? 0;
    const lat = size === 0 ? 0 : (f?.latencySeconds ?? null);
    if (lat === null)
      return unknownAnswer(`primary ${term.id}: Faktory did not say the latency of queue ${q}`);
    per[q] = { size, latencySeconds: lat };
    backlog += size;
    latency = Math.max(latency, lat);
  }
  return {
    code: 200,
    body: {
      state: "known",
      primary: term.id,
      epoch: term.epoch,
      ageMs,
      latencySeconds: latency,
      backlog,
      queues: per,
    },
  };
}

/**
 * A standby's answer: the primary's, asked once at the health address its lease announces (marked forwarded,
 * so it never travels further). The primary answers from memory; the hop costs Faktory nothing.
 */
export async function forwardToPrimary(
  primary: { readonly id: string; readonly health?: string },
  queues: readonly string[],
  timeoutMs: number,
): Promise<ScalerAnswer> {
  if (!primary.health)
    return unknownAnswer(`primary ${primary.id} does not announce a health address (an older release)`);
  const params = new URLSearchParams({
    [SCALER.queuesParam]: queues.join(","),
    [SCALER.forwardedParam]: "1",
  });
  try {
    const res = await fetch(`http://${primary.health}${SCALER.path}?${params.toString()}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as ScalerAnswer["body"];
    if (res.status === 200 && "state" in body && body.state === "known") return { code: 200, body };
    if ("reason" in body) return unknownAnswer(body.reason);
    return unknownAnswer(`primary ${primary.id} answered ${res.status}`);
  } catch (e) {
    return unknownAnswer(
      `primary ${primary.id} did not answer at ${primary.health}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
