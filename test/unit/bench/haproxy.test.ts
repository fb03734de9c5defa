// The HAProxy the router benchmarks compare against: its configuration, rendered.
import { describe, expect, it } from "vitest";
import { haproxyConfig } from "../../../bench/haproxy";

describe("haproxyConfig", () => {
  const plain = haproxyConfig({ upstreamPort: 17419, port: 7000 });

  it("relays a plain listener to Faktory in TCP mode, on one thread", () => {
    const lines = plain.split("\n");
    expect(lines.slice(0, 2)).toEqual(["global", "  nbthread 1"]);
    expect(lines).toContain("  mode tcp");
    expect(lines.slice(-4)).toEqual([
      "listen faktory",
      "  bind 127.0.0.1:7000",
      "  server faktory 127.0.0.1:17419",
      "",
    ]);
  });

  it("with a PEM, adds a listener terminating TLS with it, to the same Faktory", () => {
    const tls = { port: 7001, pemPath: "/tmp/x/haproxy.pem" };
    expect(haproxyConfig({ upstreamPort: 17419, port: 7000, tls })).toBe(
      plain +
        [
          "listen faktory-tls",
          "  bind 127.0.0.1:7001 ssl crt /tmp/x/haproxy.pem",
          "  server faktory 127.0.0.1:17419",
          "",
        ].join("\n"),
    );
  });
});
