// The HAProxy the router benchmarks compare against: its configuration, rendered.
import { describe, expect, it } from "vitest";
import { haproxyConfig } from "../../../bench/haproxy";

describe("haproxyConfig", () => {
  const common = [
    "global",
    "  nbthread 1",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 5m",
    "  timeout server 5m",
    "listen faktory",
    "  bind 127.0.0.1:7000",
    "  server faktory 127.0.0.1:17419",
  ];

  it.each([
    { name: "plain only", o: { upstreamPort: 17419, port: 7000 }, tail: [] },
    {
      name: "plain and TLS, both to the same Faktory",
      o: { upstreamPort: 17419, port: 7000, tls: { port: 7001, pemPath: "/tmp/x/haproxy.pem" } },
      tail: [
        "listen faktory-tls",
        "  bind 127.0.0.1:7001 ssl crt /tmp/x/haproxy.pem",
        "  server faktory 127.0.0.1:17419",
      ],
    },
  ])("$name", ({ o, tail }) => {
    expect(haproxyConfig(o)).toBe([...common, ...tail, ""].join("\n"));
  });
});
