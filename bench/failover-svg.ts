/**
 * A picture of failovers: PUSH latency over time around each kill, one colour per round, with the
 * kill (t = 0), the moment the new holder took the lease and the moment its Faktory answered.
 * Pure: episodes in, SVG text out.
 */

export interface Push {
  /** Completion time, ms since the kill. */
  readonly at: number;
  readonly latencyMs: number;
}

export interface Episode {
  readonly pushes: readonly Push[];
  /** ms since the kill. */
  readonly takeoverMs: number;
  readonly readyMs: number;
}

export interface Panel {
  readonly title: string;
  readonly episodes: readonly Episode[];
}

const WIDTH = 960;
const PANEL_HEIGHT = 280;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 40 };
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

function panel(p: Panel, top: number): string {
  const pushes = p.episodes.flatMap((e) => e.pushes);
  const xMin = -500;
  const xMax = Math.max(
    1_000,
    ...p.episodes.filter((e) => Number.isFinite(e.readyMs)).map((e) => e.readyMs + 1_500),
  );
  const yMin = 0.1;
  const yMax = Math.max(10, ...pushes.map((x) => x.latencyMs)) * 1.5;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + ((ms - xMin) / (xMax - xMin)) * plotW;
  const y = (ms: number) =>
    top + MARGIN.top + plotH - (Math.log10(Math.max(ms, yMin) / yMin) / Math.log10(yMax / yMin)) * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${MARGIN.left}" y="${top + 18}" font-size="15" font-weight="bold">${esc(p.title)}</text>`,
  );
  out.push(
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (let v = 1; v <= yMax; v *= 10) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${fmt(y(v) + 4)}" font-size="11" text-anchor="end">${v} ms</text>`,
    );
  }
  const step = xMax - xMin > 8_000 ? 2_000 : 500;
  for (let t = 0; t <= xMax; t += step) {
    out.push(
      `<text x="${fmt(x(t))}" y="${top + MARGIN.top + plotH + 16}" font-size="11" text-anchor="middle">${t / 1000} s</text>`,
    );
  }
  out.push(
    `<line x1="${fmt(x(0))}" x2="${fmt(x(0))}" y1="${top + MARGIN.top}" y2="${top + MARGIN.top + plotH}" stroke="#000" stroke-width="2"/>`,
    `<text x="${fmt(x(0) + 4)}" y="${top + MARGIN.top + 12}" font-size="11">kill</text>`,
  );
  p.episodes.forEach((e, i) => {
    const colour = COLOURS[i % COLOURS.length];
    for (const [at, label] of [
      [e.takeoverMs, "lease"],
      [e.readyMs, "ready"],
    ] as const) {
      if (!Number.isFinite(at)) continue;
      out.push(
        `<line x1="${fmt(x(at))}" x2="${fmt(x(at))}" y1="${top + MARGIN.top}" y2="${top + MARGIN.top + plotH}" stroke="${colour}" stroke-dasharray="${label === "lease" ? "2,3" : "6,3"}"/>`,
      );
    }
    // One dot per 2-pixel column: the slowest PUSH there (the one that shows a gap), so a round of
    // thousands of PUSHes stays a small picture.
    const slowest = new Map<number, Push>();
    for (const q of e.pushes) {
      if (q.at < xMin || q.at > xMax) continue;
      const column = Math.floor(x(q.at) / 2);
      const kept = slowest.get(column);
      if (!kept || q.latencyMs > kept.latencyMs) slowest.set(column, q);
    }
    const dots = [...slowest.values()]
      .sort((a, b) => a.at - b.at)
      .map((q) => `<circle cx="${fmt(x(q.at))}" cy="${fmt(y(q.latencyMs))}" r="1.6" fill="${colour}"/>`);
    out.push(`<g opacity="0.7">${dots.join("")}</g>`);
  });
  out.push(
    `<text x="${MARGIN.left}" y="${top + 34}" font-size="11" fill="#555">PUSH latency (log scale) against time since the kill, one colour per round; dotted: lease taken, dashed: new Faktory answers</text>`,
  );
  return out.join("\n");
}

export function failoverSvg(panels: readonly Panel[], subtitle: string): string {
  const height = panels.length * PANEL_HEIGHT + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * PANEL_HEIGHT)),
    `<text x="${MARGIN.left}" y="${height - 8}" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
