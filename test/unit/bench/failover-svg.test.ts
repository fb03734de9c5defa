import { describe, expect, it } from "vitest";
import { XMLValidator } from "fast-xml-parser";
import { failoverSvg } from "../../../bench/failover-svg";

const episode = {
  pushes: [
    { at: -300, latencyMs: 0.4 },
    { at: -100, latencyMs: 0.5 },
    { at: 9_800, latencyMs: 9_700 },
    { at: 9_900, latencyMs: 1.2 },
  ],
  takeoverMs: 9_300,
  readyMs: 9_750,
};

describe("failoverSvg", () => {
  const svg = failoverSvg(
    [
      { title: "Planned <SIGTERM>", episodes: [episode, episode] },
      { title: "Unplanned", episodes: [episode] },
    ],
    "ttl 10000 ms & friends",
  );

  it("is well-formed SVG with one dot per PUSH and the kill, lease and ready marks", () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(12);
    expect(svg.match(/>kill</g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray="2,3"/g)).toHaveLength(3);
    expect(svg.match(/stroke-dasharray="6,3"/g)).toHaveLength(3);
  });

  it("escapes text", () => {
    expect(svg).toContain("Planned &lt;SIGTERM&gt;");
    expect(svg).toContain("ttl 10000 ms &amp; friends");
  });

  it("puts the long PUSH that spans the takeover higher than the quick ones", () => {
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].slice(0, 4).map((m) => Number(m[1]));
    expect(ys[2]).toBeLessThan(ys[0]);
    expect(ys[2]).toBeLessThan(ys[3]);
  });
});
