import { sleep } from "./workload";

/** One poll of one pod: did /status say primary, did /metrics show faktory_ha_is_primary 1. */
export interface RoleSample {
  /** Index of the pod in the list of health ports. */
  readonly pod: number;
  readonly sentAt: number;
  readonly recvAt: number;
  readonly status: boolean;
  readonly metrics: boolean;
  /** Since this pod's previous sample was sent (null for the first). */
  readonly gapMs: number | null;
}

async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  return res.text();
}

function isPrimaryGauge(text: string): boolean {
  return text.split("\n").some((l) => l === "faktory_ha_is_primary 1");
}

/**
 * Polls every pod's /status and /metrics every `everyMs` (each pod on its own loop, so a slow pod does
 * not delay the others) until stopped. A pod that does not answer counts as not primary.
 */
export function sampleRoles(
  healthPorts: readonly number[],
  everyMs: number,
): { stop(): Promise<RoleSample[]> } {
  const samples: RoleSample[] = [];
  let running = true;
  const loops = healthPorts.map(async (port, pod) => {
    let prev: number | null = null;
    while (running) {
      const sentAt = Date.now();
      const [status, metrics] = await Promise.all([
        get(port, "/status").then(
          (t) => (JSON.parse(t) as { role?: string }).role === "primary",
          () => false,
        ),
        get(port, "/metrics").then(isPrimaryGauge, () => false),
      ]);
      samples.push({
        pod,
        sentAt,
        recvAt: Date.now(),
        status,
        metrics,
        gapMs: prev === null ? null : sentAt - prev,
      });
      prev = sentAt;
      await sleep(Math.max(0, sentAt + everyMs - Date.now()));
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

interface Span {
  readonly pod: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Times two pods said primary at once. A pod said primary at some moment of each sample's request; across
 * a run of consecutive "primary" samples it surely was primary from the first answer to the last request
 * (`certain`), and perhaps from the first request to the last answer (`possible`).
 */
export function primaryOverlap(samples: readonly RoleSample[], key: "status" | "metrics") {
  const certain: Span[] = [];
  const possible: Span[] = [];
  const pods = [...new Set(samples.map((s) => s.pod))];
  for (const pod of pods) {
    const mine = samples.filter((s) => s.pod === pod).sort((a, b) => a.sentAt - b.sentAt);
    for (let i = 0; i < mine.length; i++) {
      if (!mine[i][key]) continue;
      let j = i;
      while (j + 1 < mine.length && mine[j + 1][key]) j++;
      if (mine[j].sentAt > mine[i].recvAt) certain.push({ pod, from: mine[i].recvAt, to: mine[j].sentAt });
      possible.push({ pod, from: mine[i].sentAt, to: mine[j].recvAt });
      i = j;
    }
  }
  const overlaps = (spans: readonly Span[]) => {
    const out: number[] = [];
    for (let a = 0; a < spans.length; a++) {
      for (let b = a + 1; b < spans.length; b++) {
        if (spans[a].pod === spans[b].pod) continue;
        const o = Math.min(spans[a].to, spans[b].to) - Math.max(spans[a].from, spans[b].from);
        if (o > 0) out.push(o);
      }
    }
    return out;
  };
  const c = overlaps(certain);
  const p = overlaps(possible);
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  return {
    primarySpans: certain.length,
    certainEpisodes: c.length,
    certainMsTotal: sum(c),
    certainMsMax: Math.max(0, ...c),
    possibleEpisodes: p.length,
    possibleMsTotal: sum(p),
    possibleMsMax: Math.max(0, ...p),
  };
}
